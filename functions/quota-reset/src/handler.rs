//! EventBridge schedule → `edge::jobs::daily_reset`: every app's parked changes go back to the
//! changes queue in priority order (counters are per quota day and need no reset).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use edge::jobs::daily_reset;

pub use edge::jobs::ResetSummary;

/// Fails only when the apps cannot be listed (Lambda then retries the scheduled invocation).
pub async fn handle(
    edge: &edge::Edge,
    _event: EventBridgeEvent,
) -> Result<ResetSummary, app::quota_reset::QuotaError> {
    daily_reset(edge).await
}
