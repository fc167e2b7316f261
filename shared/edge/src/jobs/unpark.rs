//! Parked changes go back on the queue as soon as the app may spend calls again — not only at
//! the daily reset. While the app's share of the org is what stops it, the org's usage is read
//! again (one `/limits` call, at most once per `EdgeOptions::org_probe_every`) so the cap
//! follows the org's rolling 24 hours; the app's own daily setting spent means waiting for the
//! reset.

use crate::Edge;
use app::ports::AppClients;
use app::quota_reset::{SavedOrgUsage, load_org_usage, save_org_usage};
use app::settings::AppSettings;
use domain::datetime::JING_OFFSET;
use domain::quota::{OrgUsage, effective_allocation, quota_day};
use time::Duration;

/// Put the app's parked changes back on the queue when its allocation in force has room;
/// returns how many went.
pub async fn release_parked(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
) -> Result<u64, String> {
    let app = &settings.app;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    // A paused direction keeps its changes until an admin resumes it (which re-queues them).
    if !settings.paused.is_empty() || st.parked.count(app).await.map_err(|e| err(&e))? == 0 {
        return Ok(0);
    }
    let now = st.clock.now();
    let day = quota_day(now, JING_OFFSET);
    let used = st.quota.used(app, day).await.map_err(|e| err(&e))?;
    let a = settings.allocation;
    if used >= a.daily {
        return Ok(0);
    }
    let org = fresh_org_usage(st, settings, clients, false).await?;
    if effective_allocation(a.daily, a.max_org_share_pct, used, Some(org)) <= used {
        return Ok(0);
    }
    let r = app::quota_reset::reset(&st.quota_deps(), settings)
        .await
        .map_err(|e| err(&e))?;
    tracing::info!(app_id = %app, requeued = r.requeued, "The org has calls again; parked changes re-queued.");
    Ok(r.requeued)
}

/// The org's usage: the saved reading while it is younger than the probe interval (unless
/// `force`), else one `/limits` call, counted in the app's quota and saved for every worker.
pub async fn fresh_org_usage(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
    force: bool,
) -> Result<OrgUsage, String> {
    let app = &settings.app;
    let now = st.clock.now();
    let every = Duration::try_from(st.options.org_probe_every).unwrap_or(Duration::minutes(5));
    let saved = load_org_usage(st.cursors.as_ref(), app)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(s) = saved.filter(|s| !force && s.at.is_some_and(|at| now - at < every)) {
        return Ok(s.usage());
    }
    let org = clients.sf.org_usage().await.map_err(|e| e.to_string())?;
    let day = quota_day(now, JING_OFFSET);
    // The probe is a call like any other: it shows in the app's usage (never refused).
    let app_used = match st.quota.reserve(app, day, 1, i64::MAX as u64).await {
        Ok(
            app::ports::Reservation::Granted { used } | app::ports::Reservation::Refused { used },
        ) => used,
        Err(e) => return Err(e.to_string()),
    };
    let reading = SavedOrgUsage {
        used: org.used,
        max: org.max,
        app_used,
        at: Some(now),
    };
    save_org_usage(st.cursors.as_ref(), app, &reading)
        .await
        .map_err(|e| e.to_string())?;
    Ok(org)
}

/// [`release_parked`] for every enabled, connected app with parked changes (serve's loop runs it
/// between polls; on AWS the scheduled poll does). Returns how many changes went.
pub async fn release_all(st: &Edge) -> u64 {
    let Ok(apps) = st.settings.list().await else {
        return 0;
    };
    let mut released = 0;
    for settings in apps.iter().filter(|s| s.enabled && s.authorized.is_some()) {
        if !st.parked.count(&settings.app).await.is_ok_and(|n| n > 0) {
            continue;
        }
        let result = match st.connections.clients(settings).await {
            Ok(clients) => release_parked(st, settings, &clients).await,
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(n) => released += n,
            Err(e) => {
                tracing::debug!(app_id = %settings.app, error = %e, "Parked changes stay parked.")
            }
        }
    }
    released
}
