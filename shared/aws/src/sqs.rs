//! The changes queue on a standard SQS queue with a redrive policy to a dead-letter queue.
//! Why standard and not FIFO: docs/storage.md.

use crate::config::QueueUrls;
use crate::error::{corrupt, store_error};
use app::ports::{ChangeQueue, DeadLetter, Delivery, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
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
/// Message attributes a dead letter carries (values without record data).
const REASON: &str = "reason";
const FIRST_TRY: &str = "first_try_ms";
const RECEIVES: &str = "receive_count";
/// How long a redrive scan holds the dead letters it looked at before putting them back.
const SCAN_HOLD_SECS: i32 = 30;

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

fn system_attribute(m: &Message, name: MessageSystemAttributeName) -> Option<&str> {
    m.attributes()
        .and_then(|a| a.get(&name))
        .map(String::as_str)
}

fn receive_count(m: &Message) -> u32 {
    system_attribute(m, MessageSystemAttributeName::ApproximateReceiveCount)
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

fn instant_ms(ms: &str) -> Option<time::OffsetDateTime> {
    let ms: i128 = ms.parse().ok()?;
    time::OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).ok()
}

fn user_attribute<'m>(m: &'m Message, name: &str) -> Option<&'m str> {
    m.message_attributes()
        .and_then(|a| a.get(name))
        .and_then(|v| v.string_value())
}

fn text_attribute(value: &str) -> StoreResult<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| corrupt("build message attribute", e))
}

/// A dead letter as the DLQ holds it. One we moved says why; one SQS moved after
/// maxReceiveCount deliveries carries no reason of its own.
fn letter(m: &Message) -> DeadLetter {
    let ours = user_attribute(m, REASON).map(str::to_owned);
    let peeks = receive_count(m);
    let receive_count = user_attribute(m, RECEIVES)
        .and_then(|n| n.parse().ok())
        // SQS keeps counting in the DLQ: this peek is one of them.
        .unwrap_or(peeks.saturating_sub(1));
    let first_try = user_attribute(m, FIRST_TRY)
        .and_then(instant_ms)
        .or_else(|| {
            system_attribute(
                m,
                MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
            )
            .and_then(instant_ms)
        });
    DeadLetter {
        id: m.message_id().unwrap_or_default().to_owned(),
        body: m.body().unwrap_or_default().to_owned(),
        receive_count,
        last_try: ours
            .as_ref()
            .and(system_attribute(
                m,
                MessageSystemAttributeName::SentTimestamp,
            ))
            .and_then(instant_ms),
        reason: Some(ours.unwrap_or_else(|| {
            format!("delivered {receive_count} times without success (moved by SQS)")
        })),
        first_try,
    }
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
            .message_system_attribute_names(
                MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
            )
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .message_attribute_names("All")
            .wait_time_seconds(0)
            .send()
            .await
            .map_err(|e| store_error("ReceiveMessage", e))?;
        Ok(out.messages.unwrap_or_default())
    }

    async fn delete_batch(&self, url: &str, receipts: &[String]) -> StoreResult<()> {
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
            .queue_url(url)
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
    /// Send one body to the DLQ with why, when it was first tried and how often.
    async fn send_dead(
        &self,
        body: &str,
        reason: &str,
        first_try: Option<time::OffsetDateTime>,
        receives: u32,
    ) -> StoreResult<()> {
        let mut send = self
            .client
            .send_message()
            .queue_url(&self.urls.dead_letters)
            .message_body(body)
            .message_attributes(REASON, text_attribute(reason)?)
            .message_attributes(RECEIVES, text_attribute(&receives.to_string())?);
        if let Some(first) = first_try {
            let ms = first.unix_timestamp_nanos() / 1_000_000;
            send = send.message_attributes(FIRST_TRY, text_attribute(&ms.to_string())?);
        }
        send.send()
            .await
            .map_err(|e| store_error("SendMessage (dead-letter queue)", e))?;
        Ok(())
    }

    /// Move a taken message to the DLQ: sent there first, deleted here second, so a failure in
    /// between leaves a copy in both places rather than in neither.
    async fn move_to_dlq(&self, m: &Message, body: &str, reason: &str) -> StoreResult<()> {
        let first_try = system_attribute(
            m,
            MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
        )
        .and_then(instant_ms);
        self.send_dead(body, reason, first_try, receive_count(m))
            .await?;
        let receipt = m.receipt_handle().unwrap_or_default().to_owned();
        self.delete_batch(&self.urls.changes, &[receipt]).await
    }

    /// Make held dead letters visible again at once (the rest of a redrive scan).
    async fn release(&self, receipts: &[String]) -> StoreResult<()> {
        for chunk in receipts.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(r)
                        .visibility_timeout(0)
                        .build()
                        .map_err(|e| corrupt("build ChangeMessageVisibilityBatch entry", e))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            self.client
                .change_message_visibility_batch()
                .queue_url(&self.urls.dead_letters)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| store_error("ChangeMessageVisibilityBatch", e))?;
        }
        Ok(())
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
                let body = m.body().unwrap_or_default();
                match serde_json::from_str::<Change>(body) {
                    Ok(change) => deliveries.push(Delivery {
                        receipt,
                        change,
                        receive_count: receive_count(&m),
                        first_try: system_attribute(
                            &m,
                            MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
                        )
                        .and_then(instant_ms),
                    }),
                    // No retry can decode it: to the DLQ now, body verbatim. Where it failed,
                    // not what it says (the body holds record values).
                    Err(e) => {
                        let reason =
                            format!("does not decode (line {}, column {})", e.line(), e.column());
                        tracing::warn!(message_id = m.message_id().unwrap_or_default(), %reason, "Undecodable change message moved to the dead-letter queue.");
                        self.move_to_dlq(&m, body, &reason).await?;
                    }
                }
            }
        }
        Ok(deliveries)
    }

    async fn ack(&self, receipts: &[String]) -> StoreResult<()> {
        for chunk in receipts.chunks(MAX_BATCH) {
            self.delete_batch(&self.urls.changes, chunk).await?;
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
                if letters.len() < max && seen.insert(id) {
                    letters.push(letter(&m));
                }
            }
            if letters.len() == before {
                break;
            }
        }
        Ok(letters)
    }

    /// Checks the receipt still holds the message (a stale one changes nothing), then moves it.
    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> StoreResult<()> {
        let held = self
            .client
            .change_message_visibility()
            .queue_url(&self.urls.changes)
            .receipt_handle(&delivery.receipt)
            .visibility_timeout(SCAN_HOLD_SECS)
            .send()
            .await
            .map_err(|e| store_error("ChangeMessageVisibility", e));
        match held {
            Err(StoreError::Conflict(_)) => return Ok(()),
            other => other?,
        };
        let body =
            serde_json::to_string(&delivery.change).map_err(|e| corrupt("encode change", e))?;
        self.send_dead(&body, reason, delivery.first_try, delivery.receive_count)
            .await?;
        match self
            .delete_batch(&self.urls.changes, std::slice::from_ref(&delivery.receipt))
            .await
        {
            Err(StoreError::Conflict(_)) => Ok(()),
            other => other,
        }
    }

    /// Scans the DLQ (holding what it looked at), sends the named letters back to the changes
    /// queue, deletes them from the DLQ and releases the rest.
    async fn redrive(&self, ids: &[String]) -> StoreResult<u64> {
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let (mut seen, mut held, mut moved) = (HashSet::new(), Vec::new(), 0u64);
        loop {
            let messages = self
                .receive_from(&self.urls.dead_letters, MAX_BATCH, SCAN_HOLD_SECS)
                .await?;
            let mut fresh = false;
            for m in messages {
                let id = m.message_id().unwrap_or_default().to_owned();
                let receipt = m.receipt_handle().unwrap_or_default().to_owned();
                fresh |= seen.insert(id.clone());
                if !wanted.contains(id.as_str()) {
                    held.push(receipt);
                    continue;
                }
                let body = m.body().unwrap_or_default().to_owned();
                self.send_batch(&[&body]).await?;
                self.delete_batch(&self.urls.dead_letters, &[receipt])
                    .await?;
                moved += 1;
            }
            if !fresh || moved as usize == wanted.len() {
                break;
            }
        }
        self.release(&held).await?;
        Ok(moved)
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
