//! EventBridge schedule → `app::digest::send_digest` (one mail per app with what is new) and
//! the dead-letter queue's depth. The digest use case has no dead-letter section, so the depth
//! is logged and returned here, and the template's DLQ alarm pages on it.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_sqs::types::QueueAttributeName;
use serde::Serialize;

/// The function's state: the edge and the DLQ it reports on.
pub struct NotifierFunction {
    pub edge: edge::Edge,
    pub sqs: aws_sdk_sqs::Client,
    pub dead_letter_queue_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotifierSummary {
    pub digest: app::digest::DigestReport,
    /// Messages in the dead-letter queue; `None` when it could not be read.
    pub dead_letters: Option<u64>,
}

pub async fn handle(
    f: &NotifierFunction,
    _event: EventBridgeEvent,
) -> Result<NotifierSummary, app::digest::DigestError> {
    let digest = edge::jobs::digest(&f.edge).await?;
    let dead_letters = dead_letter_depth(f).await;
    if let Some(n) = dead_letters.filter(|n| *n > 0) {
        tracing::error!(
            dead_letters = n,
            "Changes are in the dead-letter queue; inspect and redrive them."
        );
    }
    Ok(NotifierSummary {
        digest,
        dead_letters,
    })
}

/// `ApproximateNumberOfMessages` of the DLQ: one GetQueueAttributes, no receive (peeking
/// would count as a receive of every dead letter).
async fn dead_letter_depth(f: &NotifierFunction) -> Option<u64> {
    let out = f
        .sqs
        .get_queue_attributes()
        .queue_url(&f.dead_letter_queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await;
    match out {
        Ok(out) => out
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
            .and_then(|n| n.parse().ok()),
        Err(e) => {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "Could not read the dead-letter queue.");
            None
        }
    }
}
