//! Creates staged for a Bulk API 2.0 ingest job: while initialization runs, the writer plans
//! each JING record it would create in Salesforce as usual but, instead of one sObject
//! Collections call per 200, keeps the planned create here; initialization hands up to
//! [`crate::write::ingest::JOB_ROWS`] waiting rows to one ingest job and, when the job has
//! finished, binds and records each row from its result (`crate::write::ingest`).

use super::{Fields, StoreResult};
use async_trait::async_trait;
use domain::plan::FieldViews;
use domain::{AppId, Change, ObjectKind, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One planned create, everything committing it needs once the job says how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagedCreate {
    pub app: AppId,
    pub object: ObjectKind,
    /// The change as it was queued: its record (the key of the row: one row per record), its
    /// source time, and what an error record or a re-queue needs.
    pub change: Change,
    /// The Salesforce values to create the record with.
    pub fields: Fields,
    /// Values both sides hold once it is created (the binding's last synced values).
    pub synced: BTreeMap<String, Value>,
    /// Per-side views of the planned record (the binding's views).
    pub views: Vec<(String, FieldViews)>,
    /// Display name for status lists.
    pub name: String,
}

impl StagedCreate {
    /// The key the row is stored under (the origin record's id).
    pub fn record_key(&self) -> &str {
        self.change.record.as_str()
    }
}

/// A stored row: its place in staging order and the job it was given to (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRow {
    pub seq: u64,
    pub job: Option<String>,
    pub create: StagedCreate,
}

/// What staging a create did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staged {
    /// Kept (replacing an earlier plan of the same record that was still waiting).
    Kept,
    /// The record's earlier plan is in a job already: this change waits until the job is done
    /// (it then updates the record the job created).
    InJob,
}

/// Planned creates waiting for, or written by, an ingest job (per app and object).
#[async_trait]
pub trait StagingStore: Send + Sync {
    /// Stage `rows` (one per record; a record staged again replaces its waiting row).
    async fn stage(&self, rows: &[StagedCreate]) -> StoreResult<Vec<Staged>>;
    /// The rows of `records` (origin ids), where they have one.
    async fn lookup(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[String],
    ) -> StoreResult<Vec<Option<StagedRow>>>;
    /// Rows waiting for a job.
    async fn waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64>;
    /// Give up to `max` waiting rows, oldest first, to `job`; how many it got.
    async fn assign(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: &str,
        max: usize,
    ) -> StoreResult<u64>;
    /// Hand the rows of job `from` with `seq` after `after` to job `to` (`None`: back to
    /// waiting — a job that never started, or rows an upload had no room for).
    async fn reassign(
        &self,
        app: &AppId,
        object: ObjectKind,
        from: &str,
        to: Option<&str>,
        after: u64,
    ) -> StoreResult<()>;
    /// Rows of `job` (`None`: waiting rows) with `seq` after `after`, in order, `limit` at most.
    async fn rows(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: Option<&str>,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<StagedRow>>;
    /// Jobs holding rows of the object.
    async fn jobs(&self, app: &AppId, object: ObjectKind) -> StoreResult<Vec<String>>;
    /// Remove rows (committed, re-queued).
    async fn remove(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()>;
    /// Remove every row of the app (the app was deleted); how many.
    async fn purge(&self, app: &AppId) -> StoreResult<u64>;
}
