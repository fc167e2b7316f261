//! EventBridge schedule → `app::quota_reset::reset_all`: every app's parked changes go back to
//! the changes queue in priority order (counters are per quota day and need no reset).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use domain::AppId;
use kit::Kit;
use serde::Serialize;

/// What one run did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct ResetSummary {
    pub apps: u64,
    pub requeued: u64,
    /// Still parked (apps that are off keep their changes parked).
    pub still_parked: u64,
    /// Apps whose reset stopped early (the rest stays parked for the next run).
    pub failed: Vec<AppId>,
}

/// Fails only when the apps cannot be listed (Lambda then retries the scheduled invocation).
pub async fn handle(
    kit: &Kit,
    _event: EventBridgeEvent,
) -> Result<ResetSummary, app::quota_reset::QuotaError> {
    let results = app::quota_reset::reset_all(&kit.quota_deps()).await?;
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
