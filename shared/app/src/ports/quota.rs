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
}

/// Changes set aside while the budget is spent (or a direction is paused). Coalesced per record:
/// a record parked three times is written once, with its latest values.
#[async_trait]
pub trait ParkedStore: Send + Sync {
    async fn park(&self, change: &Change) -> StoreResult<()>;
    /// Remove and return up to `max` parked changes of an app in priority order: deletes and
    /// creates first, then updates, then backfill.
    async fn take(&self, app: &AppId, max: usize) -> StoreResult<Vec<Change>>;
    async fn count(&self, app: &AppId) -> StoreResult<u64>;
    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool>;
}
