//! The writer loop: take changes off the durable queue, apply them per app, acknowledge what is
//! done (applied, skipped, parked, recorded as failed) and hand back what must be retried.

use crate::wiring::{Connector, Remotes};
use app::ports::ChangeQueue;
use app::write::{Outcome, apply};
use domain::AppId;
use std::collections::BTreeMap;
use std::time::Duration;

/// Messages per receive (one writer batch; Salesforce writes are chunked at 200 inside).
pub const BATCH: usize = 1000;
const VISIBILITY: Duration = Duration::from_secs(120);

#[derive(Debug, Default, Clone)]
pub struct DrainReport {
    pub messages: u64,
    pub counts: app::write::Counts,
    pub retries: u64,
    pub batches: u64,
}

/// Process one batch from the queue; returns how many messages were taken (0 = queue idle).
pub async fn step(
    conn: &Connector,
    remotes: &BTreeMap<AppId, Remotes>,
    report: &mut DrainReport,
) -> anyhow_lite::Result<usize> {
    let deliveries = conn.queue.receive(BATCH, VISIBILITY).await?;
    let taken = deliveries.len();
    let mut by_app: BTreeMap<AppId, Vec<app::ports::Delivery>> = BTreeMap::new();
    for d in deliveries {
        by_app.entry(d.change.app.clone()).or_default().push(d);
    }
    for (app, batch) in by_app {
        let settings = conn.settings(&app).await?;
        let Some(r) = remotes.get(&app) else {
            // Not connected yet: keep the changes for later.
            for d in &batch {
                conn.queue.nack(&d.receipt, Duration::from_secs(30)).await?;
            }
            continue;
        };
        let receipts: Vec<String> = batch.iter().map(|d| d.receipt.clone()).collect();
        let counts_before = batch.iter().map(|d| d.receive_count).collect::<Vec<_>>();
        let changes = batch.into_iter().map(|d| d.change).collect();
        let out = apply(&conn.writer_deps(r), &settings, changes).await;
        report.counts += &out.counts;
        let mut done = Vec::new();
        for ((receipt, outcome), tries) in receipts.into_iter().zip(out.outcomes).zip(counts_before)
        {
            match outcome {
                Outcome::Retry(_) => {
                    report.retries += 1;
                    // Exponential backoff through visibility: 1 s, 2 s, 4 s ... (at most a minute).
                    let delay = Duration::from_secs((1u64 << tries.min(6)).min(60));
                    conn.queue.nack(&receipt, delay).await?;
                }
                _ => done.push(receipt),
            }
        }
        conn.queue.ack(&done).await?;
    }
    report.messages += taken as u64;
    report.batches += 1;
    Ok(taken)
}

/// How long to wait before asking about a running Bulk query job again (each ask is a call).
pub const BULK_JOB_WAIT: Duration = Duration::from_secs(30);

/// One initialization step of an app whose initialization is running (`serve` and the demo
/// share it): returns the state and how long to wait before the next step.
pub async fn init_step(
    conn: &Connector,
    remotes: &Remotes,
    app: &AppId,
) -> anyhow_lite::Result<(app::settings::InitState, Duration)> {
    let report = app::init::step_report(&conn.init_deps(remotes), app).await?;
    let wait = if report.waiting_for_bulk_job {
        BULK_JOB_WAIT
    } else {
        Duration::ZERO
    };
    Ok((report.state, wait))
}

/// Small error plumbing for the binary (no business branching on these).
pub mod anyhow_lite {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
