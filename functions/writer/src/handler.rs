//! SQS batch of `Change` messages → `edge::jobs::drain` → the ids to redeliver.
//!
//! A retry's visibility is set to its backoff and the message reported failed, so SQS
//! redelivers it then. A change still failing on its last delivery (after 24 hours) is moved to
//! the dead-letter queue by us, with why. A body that does not decode is reported failed at
//! once (1 s visibility) so SQS's redrive policy moves it, body intact, within minutes.
//!
//! The writer watches its deadline: past `stop_at` it takes no new group of records, and what
//! it did not reach is reported failed with no delay (delivered again at once), so a timeout
//! never cuts a write off mid-call and never replays the groups already written.

use app::ports::Delivery;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::Change;
use edge::jobs::{Incoming, MAX_RECEIVES, Verdict, drain_until};
use kit::sqs::{batch_response, decode_batch};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Time kept back before the invocation's deadline: a group started just before `stop_at`
/// (at most a few Salesforce calls of 200 records) finishes within it.
pub const RESERVE: Duration = Duration::from_secs(45);

/// When to stop taking groups, given the invocation's deadline.
pub fn stop_at(deadline: Instant) -> Instant {
    deadline.checked_sub(RESERVE).unwrap_or(deadline)
}

pub async fn handle(
    edge: &edge::Edge,
    event: SqsEvent,
    stop_at: Option<Instant>,
) -> SqsBatchResponse {
    let batch = decode_batch::<Change>(&event);
    let receipts: HashMap<String, String> = event
        .records
        .iter()
        .filter_map(|r| Some((r.message_id.clone()?, r.receipt_handle.clone()?)))
        .collect();
    let mut failed = Vec::new();
    for id in batch.undecodable {
        nack(edge, &receipts, &id, Duration::from_secs(1)).await;
        failed.push(id);
    }
    // Only a change on its last delivery may become a dead letter; only those are copied.
    let mut last_tries: HashMap<String, Delivery> = HashMap::new();
    let incoming: Vec<Incoming> = batch
        .messages
        .into_iter()
        .map(|m| {
            if m.receive_count >= MAX_RECEIVES
                && let Some(receipt) = receipts.get(&m.message_id)
            {
                let delivery = Delivery {
                    receipt: receipt.clone(),
                    change: m.body.clone(),
                    receive_count: m.receive_count,
                    first_try: m.first_try,
                };
                last_tries.insert(m.message_id.clone(), delivery);
            }
            Incoming {
                id: m.message_id,
                body: Ok(m.body),
                receive_count: m.receive_count,
            }
        })
        .collect();
    let ids: Vec<String> = incoming.iter().map(|m| m.id.clone()).collect();
    let drained = drain_until(edge, incoming, stop_at).await;
    tracing::info!(counts = ?drained.counts, "Applied.");
    for (id, verdict) in ids.into_iter().zip(drained.verdicts) {
        match verdict {
            Verdict::Done => {}
            Verdict::Retry(delay) => {
                nack(edge, &receipts, &id, delay).await;
                failed.push(id);
            }
            Verdict::Dead(why) => {
                let moved = match last_tries.get(&id) {
                    Some(d) => edge.queue.dead_letter(d, &why).await,
                    None => Err(app::ports::StoreError::Corrupt(why.clone())),
                };
                if let Err(e) = moved {
                    tracing::error!(reason = why, error = %e, "Could not dead-letter a change; SQS redelivers it.");
                    failed.push(id);
                } else {
                    tracing::error!(reason = why, "A change became a dead letter.");
                }
            }
        }
    }
    tracing::info!(
        messages = event.records.len(),
        failed = failed.len(),
        "Writer batch done."
    );
    batch_response(failed)
}

/// Set a failed message's next delivery; without it the queue's visibility timeout applies.
async fn nack(edge: &edge::Edge, receipts: &HashMap<String, String>, id: &str, delay: Duration) {
    if let Some(receipt) = receipts.get(id)
        && let Err(e) = edge.queue.nack(receipt, delay).await
    {
        tracing::warn!(error = %e, "Could not set the retry's delay; the queue's visibility timeout applies.");
    }
}
