//! SQS batch of `Change` messages → `edge::jobs::drain` → the ids to redeliver.
//!
//! A message is reported failed when it does not decode or its verdict is a retry; a retry's
//! visibility is set to its backoff first (so SQS redelivers it then, for at least 24 hours
//! before `maxReceiveCount` moves it to the DLQ). Everything else is done and deleted by the
//! event-source mapping.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::Change;
use edge::jobs::{Incoming, Verdict, drain};
use kit::sqs::{batch_response, decode_batch};

pub async fn handle(edge: &edge::Edge, event: SqsEvent) -> SqsBatchResponse {
    let batch = decode_batch::<Change>(&event);
    let mut failed = batch.undecodable;
    let receipts: std::collections::HashMap<String, String> = event
        .records
        .iter()
        .filter_map(|r| Some((r.message_id.clone()?, r.receipt_handle.clone()?)))
        .collect();
    let incoming: Vec<Incoming> = batch
        .messages
        .into_iter()
        .map(|m| Incoming {
            id: m.message_id,
            body: Ok(m.body),
            receive_count: m.receive_count,
        })
        .collect();
    let ids: Vec<String> = incoming.iter().map(|m| m.id.clone()).collect();
    let drained = drain(edge, incoming).await;
    tracing::info!(counts = ?drained.counts, "Applied.");
    for (id, verdict) in ids.into_iter().zip(drained.verdicts) {
        match verdict {
            Verdict::Done => {}
            Verdict::Retry(delay) => {
                if let Some(receipt) = receipts.get(&id)
                    && let Err(e) = edge.queue.nack(receipt, delay).await
                {
                    tracing::warn!(error = %e, "Could not set the retry's delay; the queue's visibility timeout applies.");
                }
                failed.push(id);
            }
            Verdict::Dead(_) => failed.push(id),
        }
    }
    tracing::info!(
        messages = event.records.len(),
        failed = failed.len(),
        "Writer batch done."
    );
    batch_response(failed)
}
