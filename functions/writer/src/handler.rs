//! SQS batch of `Change` messages → `edge::jobs::drain` → the ids to redeliver.
//!
//! A message is reported failed (SQS redelivers it after the visibility timeout; after
//! `maxReceiveCount` receives it lands in the DLQ) when it does not decode or its verdict is a
//! retry. Everything else is done and deleted by the event-source mapping.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::Change;
use edge::jobs::{Incoming, Verdict, drain};
use kit::sqs::{batch_response, decode_batch};

pub async fn handle(edge: &edge::Edge, event: SqsEvent) -> SqsBatchResponse {
    let batch = decode_batch::<Change>(&event);
    let mut failed = batch.undecodable;
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
        if !matches!(verdict, Verdict::Done) {
            failed.push(id);
        }
    }
    tracing::info!(
        messages = event.records.len(),
        failed = failed.len(),
        "Writer batch done."
    );
    batch_response(failed)
}
