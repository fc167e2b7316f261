//! Initialization runs requested on the init-backfill queue: one small message `{"app": ...}`
//! per run, delayed when asked (SQS caps delays at 15 minutes).

use crate::error::store_error;
use app::ports::{InitRuns, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use domain::AppId;
use std::time::Duration;

/// [`InitRuns`] on the init-backfill continuation queue.
#[derive(Debug, Clone)]
pub struct SqsInitRuns {
    client: Client,
    url: Option<String>,
}

impl SqsInitRuns {
    pub fn new(client: Client, url: Option<String>) -> Self {
        Self { client, url }
    }
}

/// The message body (the init-backfill function decodes the same shape).
pub fn body(app: &AppId) -> String {
    serde_json::json!({ "app": app }).to_string()
}

#[async_trait]
impl InitRuns for SqsInitRuns {
    async fn request(&self, app: &AppId, delay: Duration) -> StoreResult<()> {
        let url = self.url.as_deref().ok_or_else(|| {
            StoreError::Unavailable(format!(
                "{} is not set for this function: it cannot start initialization runs",
                crate::config::vars::INIT_QUEUE_URL
            ))
        })?;
        let seconds = i32::try_from(delay.as_secs().min(900)).unwrap_or(900);
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body(app))
            .delay_seconds(seconds)
            .send()
            .await
            .map_err(|e| store_error("SendMessage", e))?;
        Ok(())
    }
}
