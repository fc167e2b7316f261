//! The continuation queue: one small message `{"app": "..."}` per pending chunk run.

use domain::AppId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    pub app: AppId,
}

/// Sending the continuation failed: initialization stays `Running` and resumes on the next
/// start or redelivery (progress is saved after every chunk).
#[derive(Debug, thiserror::Error)]
#[error("could not enqueue the next initialization chunk: {0}")]
pub struct ContinueError(String);

/// Sends continuation messages to the function's own SQS queue.
#[derive(Debug, Clone)]
pub struct ContinuationQueue {
    pub client: aws_sdk_sqs::Client,
    pub url: String,
}

impl ContinuationQueue {
    pub async fn send(&self, next: &Continuation) -> Result<(), ContinueError> {
        self.send_with_delay(next, None).await
    }

    /// Delivered after `delay` (SQS caps it at 15 minutes).
    pub async fn send_after(
        &self,
        next: &Continuation,
        delay: std::time::Duration,
    ) -> Result<(), ContinueError> {
        self.send_with_delay(next, Some(delay)).await
    }

    async fn send_with_delay(
        &self,
        next: &Continuation,
        delay: Option<std::time::Duration>,
    ) -> Result<(), ContinueError> {
        let body = serde_json::to_string(next).map_err(|e| ContinueError(e.to_string()))?;
        let seconds = delay.map(|d| i32::try_from(d.as_secs().min(900)).unwrap_or(900));
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .set_delay_seconds(seconds)
            .send()
            .await
            .map_err(|e| ContinueError(aws_sdk_sqs::error::DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}
