//! The changes queue on a standard SQS queue with a redrive policy to a dead-letter queue.
//! Why standard and not FIFO: docs/storage.md.

use crate::config::QueueUrls;
use crate::error::{corrupt, store_error};
use app::ports::{ChangeQueue, DeadLetter, Delivery, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use domain::Change;
use std::collections::HashSet;
use std::time::Duration;

/// SQS limits: 10 entries per batch call, 256 KiB per message and per batch.
const MAX_BATCH: usize = 10;
const MAX_BYTES: usize = 262_144;
/// Longest visibility timeout SQS accepts (12 h).
const MAX_VISIBILITY_SECS: u64 = 43_200;

/// [`ChangeQueue`] on SQS: one message per change, JSON body.
#[derive(Debug, Clone)]
pub struct SqsChangeQueue {
    client: Client,
    urls: QueueUrls,
}

/// Whole seconds, rounded up (a 0.5 s visibility must still hide the message), capped at 12 h.
fn secs(d: Duration) -> i32 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.min(MAX_VISIBILITY_SECS) as i32
}

/// Split encoded bodies into SendMessageBatch calls of ≤ 10 messages and ≤ 256 KiB.
pub(crate) fn batches(bodies: &[String]) -> StoreResult<Vec<Vec<&String>>> {
    let mut out: Vec<Vec<&String>> = Vec::new();
    let mut bytes = 0;
    for body in bodies {
        if body.len() > MAX_BYTES {
            return Err(StoreError::Corrupt(format!(
                "a change of {} bytes exceeds the SQS limit of {MAX_BYTES}",
                body.len()
            )));
        }
        let fits = out
            .last()
            .is_some_and(|b| b.len() < MAX_BATCH && bytes + body.len() <= MAX_BYTES);
        if !fits {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += body.len();
        if let Some(batch) = out.last_mut() {
            batch.push(body);
        }
    }
    Ok(out)
}

fn receive_count(m: &Message) -> u32 {
    m.attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

impl SqsChangeQueue {
    pub fn new(client: Client, urls: QueueUrls) -> Self {
        Self { client, urls }
    }

    pub fn urls(&self) -> &QueueUrls {
        &self.urls
    }

    /// Send one batch; entries that failed on SQS's side (not ours) are sent again, twice at
    /// most, so one throttled entry does not make the caller resend the whole batch.
    async fn send_batch(&self, batch: &[&String]) -> StoreResult<()> {
        let mut pending: Vec<(usize, &String)> = batch.iter().copied().enumerate().collect();
        for _attempt in 0..3 {
            let failed = self.send_entries(&pending).await?;
            if let Some(f) = failed.iter().find(|f| f.sender_fault) {
                return Err(StoreError::Corrupt(format!("SendMessageBatch: {}", f.code)));
            }
            let retry: HashSet<&str> = failed.iter().map(|f| f.id.as_str()).collect();
            pending.retain(|(i, _)| retry.contains(i.to_string().as_str()));
            if pending.is_empty() {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable(format!(
            "SendMessageBatch: {} entries kept failing",
            pending.len()
        )))
    }

    async fn send_entries(
        &self,
        entries: &[(usize, &String)],
    ) -> StoreResult<Vec<aws_sdk_sqs::types::BatchResultErrorEntry>> {
        let entries = entries
            .iter()
            .map(|(i, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body.as_str())
                    .build()
                    .map_err(|e| corrupt("build SendMessageBatch entry", e))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.urls.changes)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| store_error("SendMessageBatch", e))?;
        Ok(out.failed)
    }

    async fn receive_from(
        &self,
        url: &str,
        max: usize,
        visibility: i32,
    ) -> StoreResult<Vec<Message>> {
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .visibility_timeout(visibility)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .wait_time_seconds(0)
            .send()
            .await
            .map_err(|e| store_error("ReceiveMessage", e))?;
        Ok(out.messages.unwrap_or_default())
    }

    async fn delete_batch(&self, receipts: &[String]) -> StoreResult<()> {
        let entries = receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .build()
                    .map_err(|e| corrupt("build DeleteMessageBatch entry", e))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let out = self
            .client
            .delete_message_batch()
            .queue_url(&self.urls.changes)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| store_error("DeleteMessageBatch", e))?;
        match out.failed.first() {
            None => Ok(()),
            // The receipt is stale (the message timed out and was received again): the other
            // receiver owns it now.
            Some(f) if f.sender_fault => Err(StoreError::Conflict(format!(
                "DeleteMessageBatch: {}",
                f.code
            ))),
            Some(f) => Err(StoreError::Unavailable(format!(
                "DeleteMessageBatch: {}",
                f.code
            ))),
        }
    }
}

#[async_trait]
impl ChangeQueue for SqsChangeQueue {
    async fn send(&self, changes: &[Change]) -> StoreResult<()> {
        let bodies = changes
            .iter()
            .map(|c| serde_json::to_string(c).map_err(|e| corrupt("encode change", e)))
            .collect::<StoreResult<Vec<_>>>()?;
        for batch in batches(&bodies)? {
            self.send_batch(&batch).await?;
        }
        Ok(())
    }

    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        let mut deliveries = Vec::new();
        while deliveries.len() < max {
            let messages = self
                .receive_from(&self.urls.changes, max - deliveries.len(), secs(visibility))
                .await?;
            if messages.is_empty() {
                break;
            }
            for m in messages {
                let receipt = m.receipt_handle().unwrap_or_default().to_owned();
                match serde_json::from_str::<Change>(m.body().unwrap_or_default()) {
                    Ok(change) => deliveries.push(Delivery {
                        receipt,
                        change,
                        receive_count: receive_count(&m),
                    }),
                    // Left invisible: after max receives SQS moves it to the DLQ, body intact.
                    Err(e) => {
                        tracing::warn!(message_id = m.message_id().unwrap_or_default(), error = %domain::redact::json_error(&e), "Undecodable change message.")
                    }
                }
            }
        }
        Ok(deliveries)
    }

    async fn ack(&self, receipts: &[String]) -> StoreResult<()> {
        for chunk in receipts.chunks(MAX_BATCH) {
            self.delete_batch(chunk).await?;
        }
        Ok(())
    }

    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.urls.changes)
            .receipt_handle(receipt)
            .visibility_timeout(secs(delay))
            .send()
            .await
            .map_err(|e| store_error("ChangeMessageVisibility", e))?;
        Ok(())
    }

    /// Peeks at the DLQ with a zero visibility timeout (messages stay there for inspection and
    /// redrive); `receive_count` excludes this peek.
    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        let mut seen = HashSet::new();
        let mut letters = Vec::new();
        while letters.len() < max {
            let messages = self
                .receive_from(&self.urls.dead_letters, max - letters.len(), 0)
                .await?;
            let before = letters.len();
            for m in messages {
                let id = m.message_id().unwrap_or_default().to_owned();
                if letters.len() < max && seen.insert(id.clone()) {
                    let body = m.body().unwrap_or_default().to_owned();
                    letters.push(DeadLetter {
                        id,
                        body,
                        receive_count: receive_count(&m).saturating_sub(1),
                    });
                }
            }
            if letters.len() == before {
                break;
            }
        }
        Ok(letters)
    }

    async fn depth(&self) -> StoreResult<u64> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.urls.changes)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .map_err(|e| store_error("GetQueueAttributes", e))?;
        let attrs = out.attributes.unwrap_or_default();
        Ok(attrs.values().filter_map(|v| v.parse::<u64>().ok()).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_count_and_size_limits() {
        let small: Vec<String> = (0..23).map(|i| format!("m{i}")).collect();
        let sizes: Vec<usize> = batches(&small).unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 3]);
        let big: Vec<String> = (0..3).map(|_| "x".repeat(100_000)).collect();
        let sizes: Vec<usize> = batches(&big).unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 1]);
        let too_big = vec!["x".repeat(MAX_BYTES + 1)];
        assert!(matches!(batches(&too_big), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn visibility_rounds_up_and_caps() {
        assert_eq!(secs(Duration::from_millis(500)), 1);
        assert_eq!(secs(Duration::ZERO), 0);
        assert_eq!(secs(Duration::from_secs(100_000)), 43_200);
    }
}
