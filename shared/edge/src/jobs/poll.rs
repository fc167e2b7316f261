//! The scheduled run over every app (sf-poller's schedule, serve's poll timer): the Salesforce
//! safety-net poll, member matching when it is due (its users listing read with the poll, in the
//! same composite call), and parked changes released once the org has calls again. One app's
//! failure never stops the others.

use super::{members, unpark};
use crate::Edge;
use app::capture::poll_with;
use app::settings::AppSettings;
use domain::AppId;
use serde::Serialize;

/// One scheduled run over every app.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct PollSummary {
    pub apps_polled: u64,
    pub enqueued: u64,
    pub deletes: u64,
    /// Deletes queued after checking bound records because Salesforce no longer remembered
    /// every delete (recycle bin emptied, poller down over 15 days).
    pub reconciled: u64,
    pub members_bound: u64,
    /// Parked changes put back on the queue because the org has calls again.
    pub released: u64,
    /// Apps skipped because they are off or not connected.
    pub apps_skipped: u64,
    /// Apps whose poll failed (logged; the cursor did not move, the next run catches up).
    pub failed: Vec<AppId>,
}

/// Run over every enabled, connected app.
pub async fn poll_all(st: &Edge) -> PollSummary {
    let mut summary = PollSummary::default();
    let apps = match st.settings.list().await {
        Ok(apps) => apps,
        Err(e) => {
            tracing::error!(error = %e, "Could not list the apps; nothing polled.");
            return summary;
        }
    };
    for settings in apps {
        if !settings.enabled || settings.authorized.is_none() {
            summary.apps_skipped += 1;
            continue;
        }
        if let Err(e) = poll_app(st, &settings, &mut summary).await {
            tracing::warn!(app_id = %settings.app, error = %e, "Poll failed; the next run catches up.");
            summary.failed.push(settings.app.clone());
        }
    }
    summary
}

async fn poll_app(
    st: &Edge,
    settings: &AppSettings,
    summary: &mut PollSummary,
) -> Result<(), String> {
    let clients = st
        .connections
        .clients(settings)
        .await
        .map_err(|e| e.to_string())?;
    // Member matching's users listing travels with the poll's reads (one composite call).
    let members_due = members::due(st, settings, st.clock.now()).await;
    let r = poll_with(&st.poll_deps(&clients), settings, members_due)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(app_id = %settings.app, enqueued = r.enqueued, deletes = r.deletes, reconciled = r.reconciled, "Polled Salesforce.");
    summary.apps_polled += 1;
    summary.enqueued += r.enqueued;
    summary.deletes += r.deletes;
    summary.reconciled += r.reconciled;
    if members_due {
        match members::sync(st, settings, &clients).await {
            Ok(m) => summary.members_bound += m.bound.len() as u64,
            Err(e) => {
                tracing::warn!(app_id = %settings.app, error = %e, "Member matching failed; the next run retries.")
            }
        }
    }
    match unpark::release_parked(st, settings, &clients).await {
        Ok(n) => summary.released += n,
        Err(e) => {
            tracing::warn!(app_id = %settings.app, error = %e, "Could not release parked changes.")
        }
    }
    Ok(())
}
