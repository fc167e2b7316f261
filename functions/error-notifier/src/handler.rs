//! EventBridge schedule → `app::digest::send_digest` (one mail per app with what is new) and
//! the dead-letter queue's depth. The digest use case has no dead-letter section, so the depth
//! is logged and returned here, and the `ChangesDlqNotEmpty` alarm of the template pages on it.

use app::ports::ChangeQueue;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use kit::Kit;
use serde::Serialize;

/// Dead letters inspected per run (peeking counts as a receive; keep it small).
const DEAD_LETTER_PEEK: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct NotifierSummary {
    pub digest: app::digest::DigestReport,
    /// Dead letters seen in the DLQ (at most [`DEAD_LETTER_PEEK`]); `None` when it could not be read.
    pub dead_letters: Option<u64>,
}

pub async fn handle(
    kit: &Kit,
    _event: EventBridgeEvent,
) -> Result<NotifierSummary, app::digest::DigestError> {
    let digest = app::digest::send_digest(&kit.digest_deps(), kit.clock.now()).await?;
    let dead_letters = match kit.adapters.queue.dead_letters(DEAD_LETTER_PEEK).await {
        Ok(d) => Some(d.len() as u64),
        Err(e) => {
            tracing::warn!(error = %e, "Could not read the dead-letter queue.");
            None
        }
    };
    if let Some(n) = dead_letters.filter(|n| *n > 0) {
        tracing::error!(
            dead_letters = n,
            "Changes are in the dead-letter queue; inspect and redrive them."
        );
    }
    tracing::info!(mails_sent = digest.mails_sent, "Error digest done.");
    Ok(NotifierSummary {
        digest,
        dead_letters,
    })
}
