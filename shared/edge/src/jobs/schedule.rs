//! The daily schedule: parked changes back on the queue at the reset, and the error digest.

use crate::Edge;
use app::digest::{DigestError, DigestReport};
use app::quota_reset::QuotaError;
use domain::AppId;
use serde::Serialize;

/// What one daily reset did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct ResetSummary {
    pub apps: u64,
    pub requeued: u64,
    /// Still parked (apps that are off keep their changes parked).
    pub still_parked: u64,
    /// Apps whose reset stopped early (the rest stays parked for the next run).
    pub failed: Vec<AppId>,
}

/// Every app's parked changes back on the queue in priority order. Fails only when the apps
/// cannot be listed.
pub async fn daily_reset(st: &Edge) -> Result<ResetSummary, QuotaError> {
    let results = app::quota_reset::reset_all(&st.quota_deps()).await?;
    let mut summary = ResetSummary::default();
    for (app, result) in results {
        summary.apps += 1;
        match result {
            Ok(r) => {
                summary.requeued += r.requeued;
                summary.still_parked += r.still_parked;
            }
            Err(_) => summary.failed.push(app),
        }
    }
    tracing::info!(
        apps = summary.apps,
        requeued = summary.requeued,
        still_parked = summary.still_parked,
        failed = summary.failed.len(),
        "Daily reset done."
    );
    Ok(summary)
}

/// One mail per app with what failed since its last digest.
pub async fn digest(st: &Edge) -> Result<DigestReport, DigestError> {
    let report = app::digest::send_digest(&st.digest_deps(), st.clock.now()).await?;
    tracing::info!(mails_sent = report.mails_sent, "Error digest done.");
    Ok(report)
}
