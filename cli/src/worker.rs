//! One writer step of the embedded connector: take changes off the durable queue, drain them
//! through the edge's job, and carry out each verdict on the SQLite queue.

use edge::Edge;
use edge::jobs::{Incoming, MAX_RECEIVES, Verdict, drain};
use std::collections::HashMap;
use std::time::Duration;

/// Messages per receive (one writer batch; Salesforce writes are chunked at 200 inside).
pub const BATCH: usize = 1000;
/// How long taken messages stay hidden: a batch that dies with its process comes back after it.
pub const VISIBILITY: Duration = Duration::from_secs(120);

/// What the steps did so far.
#[derive(Debug, Default, Clone)]
pub struct DrainReport {
    pub messages: u64,
    pub counts: app::write::Counts,
    pub retries: u64,
    pub dead_letters: u64,
    pub batches: u64,
}

/// Process one batch; returns how many messages were taken (0 = nothing visible).
pub async fn step(edge: &Edge, report: &mut DrainReport) -> anyhow_lite::Result<usize> {
    let deliveries = edge.queue.receive(BATCH, VISIBILITY).await?;
    let taken = deliveries.len();
    if taken == 0 {
        return Ok(0);
    }
    // A change on its last delivery may become a dead letter, which keeps it: only those
    // (rare) are copied before the writer consumes the batch.
    let last_tries: HashMap<String, app::ports::Delivery> = deliveries
        .iter()
        .filter(|d| d.receive_count >= MAX_RECEIVES)
        .map(|d| (d.receipt.clone(), d.clone()))
        .collect();
    let (receipts, incoming): (Vec<String>, Vec<Incoming>) = deliveries
        .into_iter()
        .map(|d| {
            let m = Incoming {
                id: d.receipt.clone(),
                body: Ok(d.change),
                receive_count: d.receive_count,
            };
            (d.receipt, m)
        })
        .unzip();
    let drained = drain(edge, incoming).await;
    report.counts += &drained.counts;
    let mut done = Vec::new();
    for (receipt, verdict) in receipts.into_iter().zip(drained.verdicts) {
        match verdict {
            Verdict::Done => done.push(receipt),
            Verdict::Retry(delay) => {
                report.retries += 1;
                edge.queue.nack(&receipt, delay).await?;
            }
            Verdict::Dead(why) => match last_tries.get(&receipt) {
                Some(delivery) => {
                    report.dead_letters += 1;
                    tracing::error!(reason = why, "A change became a dead letter.");
                    edge.queue.dead_letter(delivery, &why).await?;
                }
                // The SQLite queue dead-letters what does not decode when it is received, so
                // only a last delivery gets here; should another, it waits rather than vanish.
                None => {
                    tracing::error!(
                        reason = why,
                        "A change cannot be processed; it waits an hour."
                    );
                    edge.queue.nack(&receipt, Duration::from_secs(3600)).await?;
                }
            },
        }
    }
    edge.queue.ack(&done).await?;
    report.messages += taken as u64;
    report.batches += 1;
    Ok(taken)
}

/// Small error plumbing for the binary (no business branching on these).
pub mod anyhow_lite {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
