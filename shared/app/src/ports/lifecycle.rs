//! An app's life around the sync itself: starting initialization runs in the deployment's own
//! way, and forgetting everything of an app when it is deleted.

use super::StoreResult;
use async_trait::async_trait;
use domain::AppId;
use serde::Serialize;
use std::time::Duration;

/// Starts initialization runs: on AWS a message on the init-backfill queue, on one machine a
/// wake-up of the work loop (which steps every running initialization anyway).
#[async_trait]
pub trait InitRuns: Send + Sync {
    /// Ask for a run of `app`'s initialization after `delay`.
    async fn request(&self, app: &AppId, delay: Duration) -> StoreResult<()>;
}

/// What deleting an app removed, per kind of item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub bindings: u64,
    pub errors: u64,
    pub synced: u64,
    pub ledger: u64,
    /// The decision log (explain).
    pub decisions: u64,
    pub parked: u64,
    pub state: u64,
    pub queued: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.bindings
            + self.errors
            + self.synced
            + self.ledger
            + self.decisions
            + self.parked
            + self.state
            + self.queued
    }
}

/// Removes every stored item of one app except its settings and secrets (the caller removes
/// those last, so a purge that fails half-way can be run again from the admin API).
#[async_trait]
pub trait AppData: Send + Sync {
    /// Bindings, error records, sync log, conflicts and journal, parked changes, cursors and
    /// quota counters, and queued changes where the queue can select them (SQS cannot: the
    /// writer drops changes of an app that no longer exists).
    async fn purge(&self, app: &AppId) -> StoreResult<Purged>;
}
