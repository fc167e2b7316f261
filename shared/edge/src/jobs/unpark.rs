//! Parked changes go back on the queue as soon as the app may spend calls again — not only at
//! the daily reset. While the app's share of the org is what stops it, the org's usage is read
//! again (one `/limits` call, at most once per [`PROBE_EVERY`]) so the cap follows the org's
//! rolling 24 hours; the app's own daily setting spent means waiting for the reset.

use crate::Edge;
use app::ports::AppClients;
use app::quota_reset::{SavedOrgUsage, load_org_usage, save_org_usage};
use app::settings::AppSettings;
use domain::datetime::JING_OFFSET;
use domain::quota::{OrgUsage, effective_allocation, quota_day};
use time::Duration;

/// How long an org reading decides whether parked changes may go.
pub const PROBE_EVERY: Duration = Duration::minutes(5);

/// Put the app's parked changes back on the queue when its allocation in force has room;
/// returns how many went.
pub async fn release_parked(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
) -> Result<u64, String> {
    let app = &settings.app;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    if st.parked.count(app).await.map_err(|e| err(&e))? == 0 {
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

/// The org's usage: the saved reading while it is younger than [`PROBE_EVERY`] (unless
/// `force`), else one `/limits` call, counted in the app's quota and saved for every worker.
pub async fn fresh_org_usage(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
    force: bool,
) -> Result<OrgUsage, String> {
    let app = &settings.app;
    let now = st.clock.now();
    let saved = load_org_usage(st.cursors.as_ref(), app)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(s) = saved.filter(|s| !force && s.at.is_some_and(|at| now - at < PROBE_EVERY)) {
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
