//! Contract suites: one async function per port that any implementation must pass (the fakes,
//! SQLite in `shared/local`, DynamoDB/SQS in `shared/aws`). Each suite panics with a message
//! naming the broken rule. Compiled always (not `cfg(test)`) so adapter crates' tests call them.
//!
//! Every suite expects a fresh, empty store, uses its own app ids, and checks that one app's data
//! never shows in another app's queries. Time is injected (`now` arguments, a [`Timeline`] for the
//! queue), so the suites do not depend on the speed of the machine.
//!
//! Semantics the port docs leave open, fixed here (and in [`semantics`]) for every adapter:
//! - `ListQuery { limit: 0 }` lists everything from `offset`; `total` counts every match.
//! - Search is a case-insensitive substring of the record name or key (conflicts: key or field).
//! - `ErrorStore::record` stores a new failure with `count = 1` and keeps `first_seen` as given;
//!   a repeat adds 1, moves `last_seen`, replaces `error` and `name`, keeps `first_seen`.
//! - Listings are newest first (`last_seen`, `synced_at`, `at`); the journal is oldest first.
//!   Ties are ordered deterministically but differently per adapter.
//! - `count_by_*` return non-zero counts only, in the key's enum order.
//! - Parked changes are taken by [`semantics::park_priority`] class, then in parking order.
//! - Settings: first save is revision 1; each save must be the stored revision + 1.
//! - Queue: a message received `max_receives` times is dead-lettered on its next receive (SQS
//!   redrive); acks and nacks with a stale or unknown receipt change nothing.

mod app_data;
mod bindings;
mod claims;
pub mod decisions;
pub mod failing;
mod fixtures;
mod kv;
mod queue;
mod quota;
mod records;
pub mod semantics;
mod settings;
mod staging;
mod synclog;
pub mod writer;
pub mod writer_breaker;
pub mod writer_claims;
pub mod writer_conversion;
pub mod writer_decisions;
pub mod writer_email;
pub mod writer_settle;
pub mod writer_ties;
pub mod writer_views;

pub use app_data::app_data;
pub use bindings::binding_store;
pub use claims::record_claims;
pub use decisions::decision_log;
pub use fixtures::*;
pub use kv::{cursor_store, idempotency_store, ledger};
pub use queue::{Timeline, WallClock, change_queue};
pub use quota::{parked_requeue_loses_nothing, parked_store, quota_store, quota_store_spawned};
pub use records::error_store;
pub use settings::{Outbox, mailer, settings_store, token_vault};
pub use staging::staging_store;
pub use synclog::sync_log;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Run futures concurrently on the current task and collect their outputs in order (a tiny
/// `join_all`, so the suites can race calls against a `&dyn` store without spawning).
pub async fn join_all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>) -> Vec<T> {
    let mut pending: Vec<Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>> =
        futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        for (slot, out) in pending.iter_mut().zip(done.iter_mut()) {
            if let Some(fut) = slot
                && let Poll::Ready(v) = fut.as_mut().poll(cx)
            {
                *out = Some(v);
                *slot = None;
            }
        }
        if pending.iter().all(Option::is_none) {
            Poll::Ready(
                done.iter_mut()
                    .map(|o| o.take().expect("every future finished"))
                    .collect(),
            )
        } else {
            Poll::Pending
        }
    })
    .await
}
