//! The scheduled run over every app (sf-poller's schedule, serve's poll timer): the safety-net
//! polls of Salesforce and of JING, member matching when it is due (its users listing read with the poll, in the
//! same composite call), and parked changes released once the org has calls again. One app's
//! failure never stops the others.

use super::{members, unpark};
use crate::Edge;
use app::capture::{poll_jing, poll_with};
use app::ports::AppClients;
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
    /// JING changes the JING safety net queued (lost webhooks; also webhooks that did arrive
    /// and our own writes, which the writer finds already synced).
    pub jing_enqueued: u64,
    pub members_bound: u64,
    /// Parked changes put back on the queue because the org has calls again.
    pub released: u64,
    /// Apps skipped because they are off or not connected.
    pub apps_skipped: u64,
    /// Apps whose poll of either side failed (logged; that cursor did not move, the next run
    /// catches up).
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
    jing_safety_net(st, settings, &clients, summary).await;
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

/// List JING's changes; a failure is logged and counted, and the rest of the run goes on.
async fn jing_safety_net(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
    summary: &mut PollSummary,
) {
    match poll_jing(&st.jing_poll_deps(clients), settings).await {
        Ok(r) => {
            tracing::info!(app_id = %settings.app, enqueued = r.enqueued, own_writes = r.own_writes, deletes = r.deletes, pages = r.pages, "Polled JING.");
            summary.jing_enqueued += r.enqueued;
        }
        Err(e) => {
            tracing::warn!(app_id = %settings.app, error = %e, "JING poll failed; the next run catches up.");
            summary.failed.push(settings.app.clone());
        }
    }
}
