//! Applying a batch of queued changes: per app, the writer over the app's clients; per message,
//! a verdict the transport carries out (SQS: delete or report a batch item failure; the SQLite
//! queue: ack, nack with a delay, or dead-letter).

use crate::Edge;
use app::ports::{AppClients, ClientsError};
use app::settings::AppSettings;
use app::write::{Counts, Outcome, apply_until};
use domain::{AppId, Change};
use std::collections::BTreeMap;
use std::time::Duration;

/// One message taken from the changes queue.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The transport's handle (SQS message id, SQLite receipt).
    pub id: String,
    /// The change, or why the body does not decode (never the body itself: it holds values).
    pub body: Result<Change, String>,
    /// Deliveries so far, this one included.
    pub receive_count: u32,
}

/// What becomes of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Finished with: applied, skipped, parked or held, recorded as a failure, or its app no
    /// longer exists. Remove it from the queue.
    Done,
    /// A temporary failure: deliver it again after this delay.
    Retry(Duration),
    /// It can never be processed (it does not decode): keep it as a dead letter with why.
    Dead(String),
}

/// Longest pause between two deliveries of a change that keeps failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(900);

/// How long a change that keeps failing for a temporary reason is retried before it becomes a
/// dead letter (Salesforce retries an outbound message for 24 hours: we are as patient).
pub const PATIENCE: Duration = Duration::from_secs(24 * 3600);

/// Exponential backoff by delivery: 2 s, 4 s, 8 s … at most [`MAX_BACKOFF`].
pub const fn backoff(receive_count: u32) -> Duration {
    let exp = if receive_count > 20 {
        20
    } else {
        receive_count
    };
    let secs = 1u64 << exp;
    Duration::from_secs(if secs > MAX_BACKOFF.as_secs() {
        MAX_BACKOFF.as_secs()
    } else {
        secs
    })
}

/// Deliveries a change may take before it becomes a dead letter: enough for the backoff to
/// span [`PATIENCE`] (105 with the values above). The SQLite queue is built with it; the SQS
/// queue's `maxReceiveCount` must be at least this (template.yaml).
pub const MAX_RECEIVES: u32 = {
    let (mut n, mut waited) = (1u32, 0u64);
    while waited < PATIENCE.as_secs() {
        waited += backoff(n).as_secs();
        n += 1;
    }
    n
};

/// A temporary failure: deliver again after the backoff, or, once the change has been tried
/// for [`PATIENCE`], give up and keep it as a dead letter saying why (never values).
pub fn retry_or_dead(receive_count: u32, why: &str) -> Verdict {
    if receive_count >= MAX_RECEIVES {
        let hours = PATIENCE.as_secs() / 3600;
        Verdict::Dead(format!(
            "still failing after {receive_count} deliveries over {hours} hours: {why}"
        ))
    } else {
        Verdict::Retry(backoff(receive_count))
    }
}

/// What a batch came to.
#[derive(Debug, Clone, Default)]
pub struct Drained {
    /// One verdict per message, in order.
    pub verdicts: Vec<Verdict>,
    /// What the writer did, over every app of the batch.
    pub counts: Counts,
}

/// Apply a batch.
pub async fn drain(st: &Edge, batch: Vec<Incoming>) -> Drained {
    drain_until(st, batch, None).await
}

/// [`drain`], taking no new group of records after `stop_at`: the rest is retried at once
/// (a Lambda that stops before its timeout instead of being cut off mid-write).
pub async fn drain_until(
    st: &Edge,
    batch: Vec<Incoming>,
    stop_at: Option<std::time::Instant>,
) -> Drained {
    let mut verdicts = vec![Verdict::Done; batch.len()];
    let mut counts = Counts::default();
    let mut by_app: BTreeMap<AppId, Vec<(usize, Change, u32)>> = BTreeMap::new();
    for (i, m) in batch.into_iter().enumerate() {
        match m.body {
            Ok(change) => {
                by_app
                    .entry(change.app.clone())
                    .or_default()
                    .push((i, change, m.receive_count))
            }
            Err(why) => verdicts[i] = Verdict::Dead(why),
        }
    }
    for (app, items) in by_app {
        let (indexes, rest): (Vec<usize>, Vec<(Change, u32)>) =
            items.into_iter().map(|(i, c, n)| (i, (c, n))).unzip();
        let (changes, receives): (Vec<Change>, Vec<u32>) = rest.into_iter().unzip();
        let out = drain_app(st, &app, changes, &receives, stop_at, &mut counts).await;
        for (i, v) in indexes.into_iter().zip(out) {
            verdicts[i] = v;
        }
    }
    Drained { verdicts, counts }
}

async fn drain_app(
    st: &Edge,
    app: &AppId,
    changes: Vec<Change>,
    counts: &[u32],
    stop_at: Option<std::time::Instant>,
    total: &mut Counts,
) -> Vec<Verdict> {
    let retry_all = |why: &str| counts.iter().map(|n| retry_or_dead(*n, why)).collect();
    let settings = match st.settings.get(app).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::info!(app_id = %app, count = changes.len(), "Changes of a deleted app dropped.");
            return vec![Verdict::Done; changes.len()];
        }
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Settings unavailable; retrying the app's changes.");
            return retry_all("the settings store is unavailable");
        }
    };
    if !settings.enabled {
        return hold(st, &settings, &changes, counts, "the app is switched off").await;
    }
    let clients = match st.connections.clients(&settings).await {
        Ok(c) => c,
        Err(ClientsError::Store(e)) => {
            tracing::warn!(app_id = %app, error = %e, "Vault unavailable; retrying the app's changes.");
            return retry_all("the secrets vault is unavailable");
        }
        Err(e) => return hold(st, &settings, &changes, counts, &e.to_string()).await,
    };
    let run = Run {
        settings: &settings,
        clients: &clients,
        stop_at,
    };
    apply_changes(st, &run, changes, counts, total).await
}

/// One app's part of a batch: its settings, clients and when to stop taking groups.
struct Run<'a> {
    settings: &'a AppSettings,
    clients: &'a AppClients,
    stop_at: Option<std::time::Instant>,
}

async fn apply_changes(
    st: &Edge,
    run: &Run<'_>,
    changes: Vec<Change>,
    counts: &[u32],
    total: &mut Counts,
) -> Vec<Verdict> {
    let settings = run.settings;
    let report = apply_until(&st.writer_deps(run.clients), settings, changes, run.stop_at).await;
    tracing::info!(app_id = %settings.app, counts = ?report.counts, "Applied.");
    *total += &report.counts;
    report
        .outcomes
        .iter()
        .zip(counts)
        .map(|(outcome, n)| match outcome {
            // Stopped for time, not failed: again at once, not counted toward patience.
            Outcome::Retry(e) if e.code == domain::ErrorCode::OutOfTime => {
                Verdict::Retry(Duration::ZERO)
            }
            Outcome::Retry(e) => {
                tracing::debug!(code = ?e.code, receive_count = n, "Temporary failure; redelivering.");
                retry_or_dead(*n, &format!("{:?}", e.code))
            }
            _ => Verdict::Done,
        })
        .collect()
}

/// An app that cannot sync yet (not connected, no JING secret, switched off) keeps its changes
/// parked, coalesced per record; connecting or switching it on puts them back on the queue.
async fn hold(
    st: &Edge,
    settings: &AppSettings,
    changes: &[Change],
    counts: &[u32],
    why: &str,
) -> Vec<Verdict> {
    tracing::info!(app_id = %settings.app, count = changes.len(), why, "App not ready; holding its changes.");
    let mut verdicts = Vec::with_capacity(changes.len());
    for (change, n) in changes.iter().zip(counts) {
        verdicts.push(match st.parked.park(change).await {
            Ok(()) => Verdict::Done,
            Err(e) => {
                tracing::warn!(app_id = %settings.app, error = %e, "Could not hold a change; redelivering.");
                retry_or_dead(*n, "the parked-changes store is unavailable")
            }
        });
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_a_cap_and_span_a_day_before_a_dead_letter() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(10), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
        let waited: u64 = (1..MAX_RECEIVES).map(|n| backoff(n).as_secs()).sum();
        assert!(waited >= PATIENCE.as_secs(), "{waited} s of retries");
        let one_less: u64 = (1..MAX_RECEIVES - 1).map(|n| backoff(n).as_secs()).sum();
        assert!(
            one_less < PATIENCE.as_secs(),
            "no more deliveries than needed"
        );
        assert_eq!(MAX_RECEIVES, 105);
    }

    #[test]
    fn the_last_delivery_of_a_failing_change_becomes_a_dead_letter_saying_why() {
        assert_eq!(retry_or_dead(3, "x"), Verdict::Retry(backoff(3)));
        assert_eq!(
            retry_or_dead(MAX_RECEIVES - 1, "x"),
            Verdict::Retry(MAX_BACKOFF)
        );
        match retry_or_dead(MAX_RECEIVES, "SalesforceUnavailable") {
            Verdict::Dead(why) => assert_eq!(
                why,
                "still failing after 105 deliveries over 24 hours: SalesforceUnavailable"
            ),
            other => panic!("expected a dead letter, got {other:?}"),
        }
    }
}
