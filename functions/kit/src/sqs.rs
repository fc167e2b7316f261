//! SQS event sources with `ReportBatchItemFailures`: decode every message in its own span,
//! report undecodable ones as failures (SQS redrives them to the DLQ after `maxReceiveCount`,
//! body intact — never silently dropped), and answer with the failed message ids.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use serde::de::DeserializeOwned;

/// One decoded message.
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    pub message_id: String,
    pub body: T,
    /// SQS's `ApproximateReceiveCount` (1 on the first delivery).
    pub receive_count: u32,
    /// SQS's `ApproximateFirstReceiveTimestamp`.
    pub first_try: Option<time::OffsetDateTime>,
}

/// A batch split into what decoded and the ids of what did not.
#[derive(Debug, Clone)]
pub struct DecodedBatch<T> {
    pub messages: Vec<Decoded<T>>,
    pub undecodable: Vec<String>,
}

fn receive_count(m: &SqsMessage) -> u32 {
    m.attributes
        .get("ApproximateReceiveCount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

fn first_try(m: &SqsMessage) -> Option<time::OffsetDateTime> {
    let ms: i128 = m
        .attributes
        .get("ApproximateFirstReceiveTimestamp")?
        .parse()
        .ok()?;
    time::OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).ok()
}

/// Decode every message body as JSON `T`, one span per message.
pub fn decode_batch<T: DeserializeOwned>(event: &SqsEvent) -> DecodedBatch<T> {
    let mut batch = DecodedBatch {
        messages: Vec::with_capacity(event.records.len()),
        undecodable: Vec::new(),
    };
    for m in &event.records {
        let message_id = m.message_id.clone().unwrap_or_default();
        let span = tracing::info_span!("message", message_id = %message_id);
        let _guard = span.enter();
        match serde_json::from_str::<T>(m.body.as_deref().unwrap_or_default()) {
            Ok(body) => batch.messages.push(Decoded {
                message_id,
                body,
                receive_count: receive_count(m),
                first_try: first_try(m),
            }),
            Err(e) => {
                // The body may hold personal data: log where it failed, not what it says.
                tracing::warn!(
                    receive_count = receive_count(m),
                    line = e.line(),
                    column = e.column(),
                    "Undecodable message; reported as failed so it reaches the DLQ."
                );
                batch.undecodable.push(message_id);
            }
        }
    }
    batch
}

/// The partial batch response naming the failed message ids (empty = all done).
pub fn batch_response(failed: impl IntoIterator<Item = String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
