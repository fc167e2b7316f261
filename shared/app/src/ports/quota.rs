use super::StoreResult;
use async_trait::async_trait;
use domain::{AppId, Change, RecordRef};
use time::Date;

/// The day's Salesforce API counter of one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved; `used` includes these calls.
    Granted { used: u64 },
    /// Reserving would exceed the allocation; nothing was reserved.
    Refused { used: u64 },
}

/// Daily API counters. `reserve` is atomic: under any concurrency the counter never passes the
/// allocation (DynamoDB `ADD` with a condition; SQLite in one transaction).
#[async_trait]
pub trait QuotaStore: Send + Sync {
    async fn reserve(
        &self,
        app: &AppId,
        day: Date,
        calls: u64,
        allocation: u64,
    ) -> StoreResult<Reservation>;
    /// Give back calls reserved but not made.
    async fn release(&self, app: &AppId, day: Date, calls: u64) -> StoreResult<()>;
    async fn used(&self, app: &AppId, day: Date) -> StoreResult<u64>;
    /// Add `counts` to the counters `name` in time bucket `bucket` and return each counter's
    /// sum over the window of the last `span` buckets (`bucket - span + 1 ..= bucket`): the
    /// circuit breaker's rolling window. Atomic like `reserve`: concurrent adds are never
    /// lost. Buckets older than the window may be forgotten.
    async fn add_in_window(
        &self,
        app: &AppId,
        name: &str,
        bucket: i64,
        span: u32,
        counts: &[u64],
    ) -> StoreResult<Vec<u64>>;
}

/// A rolling window's buckets: `bucket -> counts`, the shape the embedded stores keep.
pub type WindowBuckets = std::collections::BTreeMap<i64, Vec<u64>>;

/// Add `counts` into `buckets` at `bucket`, drop buckets that left the window and return the
/// window's sums (shared by the in-memory and the SQLite adapters).
pub fn add_to_window(
    buckets: &mut WindowBuckets,
    bucket: i64,
    span: u32,
    counts: &[u64],
) -> Vec<u64> {
    let first = bucket - i64::from(span.max(1)) + 1;
    buckets.retain(|b, _| *b >= first);
    let slot = buckets.entry(bucket).or_default();
    if slot.len() < counts.len() {
        slot.resize(counts.len(), 0);
    }
    for (total, n) in slot.iter_mut().zip(counts) {
        *total = total.saturating_add(*n);
    }
    let mut sums = vec![0u64; counts.len()];
    for (_, c) in buckets.range(first..=bucket) {
        for (sum, n) in sums.iter_mut().zip(c) {
            *sum = sum.saturating_add(*n);
        }
    }
    sums
}

/// A parked change as read, with what identifies this version of it (a re-park changes it).
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedEntry {
    pub change: Change,
    /// Opaque: the store's version of the entry.
    pub version: String,
}

/// Changes set aside while the budget is spent (or a direction is paused). Coalesced per record:
/// a record parked three times is written once, with its latest values.
///
/// Moving parked changes elsewhere is two steps, so a crash or a failure between them loses
/// nothing: [`peek`](Self::peek), send them on, then [`remove`](Self::remove) what was sent (a
/// change re-parked meanwhile stays, newer). A change sent twice is harmless: the writer
/// recognises what it already applied.
#[async_trait]
pub trait ParkedStore: Send + Sync {
    async fn park(&self, change: &Change) -> StoreResult<()>;
    /// Up to `max` parked changes of an app in priority order (deletes and creates first, then
    /// updates, then backfill), left in place.
    async fn peek(&self, app: &AppId, max: usize) -> StoreResult<Vec<ParkedEntry>>;
    /// Remove the entries that are still as peeked; returns how many went.
    async fn remove(&self, app: &AppId, entries: &[ParkedEntry]) -> StoreResult<u64>;
    /// Peek and remove at once, returning what this call removed (two concurrent takes never
    /// return the same change). What is removed is in the caller's hands only: to move changes
    /// elsewhere, peek, send, then remove.
    async fn take(&self, app: &AppId, max: usize) -> StoreResult<Vec<Change>> {
        let mut taken = Vec::new();
        for entry in self.peek(app, max).await? {
            if self.remove(app, std::slice::from_ref(&entry)).await? == 1 {
                taken.push(entry.change);
            }
        }
        Ok(taken)
    }
    async fn count(&self, app: &AppId) -> StoreResult<u64>;
    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool>;
}
