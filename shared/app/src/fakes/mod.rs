//! In-memory fakes of every port, for use-case tests (and the contract suites' reference run).
//!
//! Each fake keeps the exact semantics the contract suites in [`crate::contract`] check, so a
//! use case tested on fakes behaves the same on SQLite and on AWS. Locks are `std::sync::Mutex`
//! held only inside synchronous sections (never across an `.await`).

mod claims;
mod decisions;
mod kv;
mod ledger;
mod lifecycle;
mod queue;
mod records;
mod staging;

pub use claims::MemRecordClaims;
pub use decisions::MemDecisionLog;
pub use kv::{
    MemCursorStore, MemIdempotencyStore, MemMailer, MemParkedStore, MemQuotaStore,
    MemSettingsStore, MemTokenVault,
};
pub use ledger::MemLedger;
pub use lifecycle::{MemAppData, MemInitRuns};
pub use queue::MemQueue;
pub use records::{MemBindingStore, MemErrorStore, MemSyncLog};
pub use staging::MemStagingStore;

use crate::ports::Clock;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;

/// Lock a fake's state. A poisoned lock only means another test thread panicked mid-update; the
/// fakes never leave state half-written, so the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A clock tests set and advance. Clone it (or share the `Arc`) to drive several ports at once.
#[derive(Debug, Clone)]
pub struct FixedClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl FixedClock {
    /// 2024-05-01 10:00 UTC, a fixed and readable default.
    pub const DEFAULT_START: OffsetDateTime = datetime!(2024-05-01 10:00 UTC);

    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }
    pub fn set(&self, at: OffsetDateTime) {
        *lock(&self.now) = at;
    }
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.now);
        *now += by;
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::new(Self::DEFAULT_START)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *lock(&self.now)
    }
}

/// One fake of every port, sharing one [`FixedClock`], for use-case tests.
pub struct Fakes {
    pub clock: FixedClock,
    pub bindings: MemBindingStore,
    pub errors: MemErrorStore,
    pub sync_log: MemSyncLog,
    pub cursors: MemCursorStore,
    pub idempotency: MemIdempotencyStore,
    pub ledger: MemLedger,
    pub decisions: MemDecisionLog,
    pub mailer: MemMailer,
    pub queue: MemQueue,
    pub quota: MemQuotaStore,
    pub parked: MemParkedStore,
    pub settings: MemSettingsStore,
    pub vault: MemTokenVault,
    pub init_runs: MemInitRuns,
    pub claims: MemRecordClaims,
    pub staging: MemStagingStore,
}

impl Fakes {
    /// The queue dead-letters a message on its receive after this many (SQS `maxReceiveCount`).
    pub const MAX_RECEIVES: u32 = 5;

    pub fn new() -> Self {
        let clock = FixedClock::default();
        let queue = MemQueue::new(Arc::new(clock.clone()), Self::MAX_RECEIVES);
        Self {
            clock,
            bindings: MemBindingStore::default(),
            errors: MemErrorStore::default(),
            sync_log: MemSyncLog::default(),
            cursors: MemCursorStore::default(),
            idempotency: MemIdempotencyStore::default(),
            ledger: MemLedger::default(),
            decisions: MemDecisionLog::default(),
            mailer: MemMailer::default(),
            queue,
            quota: MemQuotaStore::default(),
            parked: MemParkedStore::default(),
            settings: MemSettingsStore::default(),
            vault: MemTokenVault::default(),
            init_runs: MemInitRuns::default(),
            claims: MemRecordClaims::default(),
            staging: MemStagingStore::default(),
        }
    }
}

impl Fakes {
    /// The same fakes as one [`Ports`](crate::ports::Ports) bundle (they share their state).
    pub fn ports(&self) -> crate::ports::Ports {
        crate::ports::Ports {
            settings: Arc::new(self.settings.clone()),
            bindings: Arc::new(self.bindings.clone()),
            errors: Arc::new(self.errors.clone()),
            sync_log: Arc::new(self.sync_log.clone()),
            ledger: Arc::new(self.ledger.clone()),
            decisions: Arc::new(self.decisions.clone()),
            quota: Arc::new(self.quota.clone()),
            parked: Arc::new(self.parked.clone()),
            queue: Arc::new(self.queue.clone()),
            cursors: Arc::new(self.cursors.clone()),
            idempotency: Arc::new(self.idempotency.clone()),
            vault: Arc::new(self.vault.clone()),
            mailer: Arc::new(self.mailer.clone()),
            app_data: Arc::new(self.app_data()),
            init_runs: Arc::new(self.init_runs.clone()),
            claims: Arc::new(self.claims.clone()),
            staging: Some(Arc::new(self.staging.clone())),
            clock: Arc::new(self.clock.clone()),
        }
    }

    /// Deleting an app over these fakes.
    pub fn app_data(&self) -> MemAppData {
        MemAppData {
            bindings: self.bindings.clone(),
            errors: self.errors.clone(),
            sync_log: self.sync_log.clone(),
            ledger: self.ledger.clone(),
            decisions: self.decisions.clone(),
            parked: self.parked.clone(),
            cursors: self.cursors.clone(),
            quota: self.quota.clone(),
            queue: self.queue.clone(),
            claims: self.claims.clone(),
            staging: self.staging.clone(),
        }
    }

    /// The poller's ports over these fakes and `sf`.
    pub fn poll_deps<'a>(
        &'a self,
        sf: &'a dyn crate::ports::SalesforcePort,
    ) -> crate::capture::PollDeps<'a> {
        crate::capture::PollDeps {
            sf,
            queue: &self.queue,
            cursors: &self.cursors,
            seen: &self.idempotency,
            bindings: &self.bindings,
            clock: &self.clock,
        }
    }
}

impl Fakes {
    /// The JING safety net's ports over these fakes and `jing`.
    pub fn jing_poll_deps<'a>(
        &'a self,
        jing: &'a dyn crate::ports::JingPort,
    ) -> crate::capture::JingPollDeps<'a> {
        crate::capture::JingPollDeps {
            jing,
            queue: &self.queue,
            cursors: &self.cursors,
            seen: &self.idempotency,
            clock: &self.clock,
        }
    }
}

impl Default for Fakes {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_is_shared_between_clones() {
        let a = FixedClock::default();
        let b = a.clone();
        a.advance(Duration::from_secs(90));
        assert_eq!(b.now(), FixedClock::DEFAULT_START + Duration::from_secs(90));
        b.set(datetime!(2025-01-01 00:00 UTC));
        assert_eq!(a.now(), datetime!(2025-01-01 00:00 UTC));
    }
}
