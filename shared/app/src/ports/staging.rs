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

/// A staged row as its job's upload reads it: its place, its record, the values to send.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedUpload {
    pub seq: u64,
    /// The origin record's id (the row's key).
    pub record: String,
    pub fields: Fields,
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
    /// The place (`seq`) of the newest waiting row, 0 when none waits: it grows while the
    /// writer stages rows, whatever jobs take meanwhile.
    async fn newest_waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64>;
    /// Whether at least `n` rows wait: asked after every read step of an initialization, so
    /// stores that can answer without counting every waiting row override it.
    async fn waiting_at_least(&self, app: &AppId, object: ObjectKind, n: u64) -> StoreResult<bool> {
        Ok(self.waiting(app, object).await? >= n)
    }
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
    /// The places of `job`'s rows in the order of their records' ids.
    ///
    /// A job is uploaded and committed in this order. Salesforce numbers the records a job
    /// creates in upload order, so the commit then writes the bindings, the journal, the
    /// decision log and the success list — each indexed by the JING id or the new Salesforce
    /// id — in key order, one index page after the next, where staging order (random JING ids)
    /// wrote one random index page per record and index: past a few hundred thousand records
    /// those pages no longer stay cached and every commit rewrote thousands of them.
    async fn job_order(&self, app: &AppId, object: ObjectKind, job: &str) -> StoreResult<Vec<u64>>;
    /// The rows at `seqs`, in that order (a place without a row is skipped).
    async fn rows_at(
        &self,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<Vec<StagedRow>>;
    /// [`rows_at`](Self::rows_at) as a job's upload reads them (stores that can skip decoding
    /// the rest of each row override it).
    async fn uploads_at(
        &self,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<Vec<StagedUpload>> {
        let rows = self.rows_at(app, object, seqs).await?;
        Ok(rows
            .into_iter()
            .map(|r| StagedUpload {
                seq: r.seq,
                record: r.create.record_key().to_owned(),
                fields: r.create.fields,
            })
            .collect())
    }
    /// The rows at `seqs` wait again (an upload had no room for them).
    async fn release(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()>;
    /// Jobs holding rows of the object.
    async fn jobs(&self, app: &AppId, object: ObjectKind) -> StoreResult<Vec<String>>;
    /// Remove rows (committed, re-queued).
    async fn remove(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()>;
    /// Remove every row of `job` (committed); how many.
    async fn remove_job(&self, app: &AppId, object: ObjectKind, job: &str) -> StoreResult<u64> {
        let mut n = 0;
        loop {
            let rows = self.rows(app, object, Some(job), 0, 1_000).await?;
            if rows.is_empty() {
                return Ok(n);
            }
            let seqs: Vec<u64> = rows.iter().map(|r| r.seq).collect();
            self.remove(app, object, &seqs).await?;
            n += seqs.len() as u64;
        }
    }
    /// Remove every row of the app (the app was deleted); how many.
    async fn purge(&self, app: &AppId) -> StoreResult<u64>;
}
