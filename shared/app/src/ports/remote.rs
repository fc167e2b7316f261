//! The two remote systems as the use cases see them. Implemented by the `salesforce` and `jing`
//! client crates (and by fakes in tests). Values are in the target's field names and terms.

use super::{IngestData, IngestOp, IngestRow, IngestState, IngestUpload, KeyedResults};
use async_trait::async_trait;
use domain::describe::SfObjectDescribe;
use domain::{JingId, SfId, SyncError, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Field values of one record to write, by the target's field names.
pub type Fields = BTreeMap<String, Value>;

/// A call-level failure (the whole call failed: quota, auth, transient, permission).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RemoteError(pub SyncError);

impl RemoteError {
    pub fn next_step(&self) -> domain::NextStep {
        self.0.next_step()
    }
}

/// Per-record outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// Written; the record's id on the target.
    Ok(String),
    /// The target's duplicate rules matched existing records: bind and update instead.
    Duplicate(Vec<String>),
    Failed(SyncError),
}

/// Salesforce, as the writer and the capture use cases need it.
#[async_trait]
pub trait SalesforcePort: Send + Sync {
    /// Create records of one object (sObject Collections, ≤ 200 per call). Results in input order.
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Update records by id (collections). Results in input order.
    async fn update(
        &self,
        object: &str,
        records: &[(SfId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Create or update records matched on an external-ID field every record carries
    /// (collections upsert, ≤ 200 per call): sent twice, it still makes one record. Results in
    /// input order; `Ok(id)` whether created or matched.
    async fn upsert(
        &self,
        object: &str,
        external_id_field: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    async fn delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError>;
    /// Records whose `field` equals one of `values` (duplicate pre-check), as (id, value).
    async fn find_by(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, RemoteError>;
    /// Records of `object` with `(SystemModstamp, Id)` after `cursor` and `SystemModstamp` not
    /// after `until`, ordered by `SystemModstamp, Id`, at most `limit` (pages followed inside);
    /// deleted ones too (`queryAll`), marked `deleted`.
    async fn changed_since(
        &self,
        object: &str,
        fields: &[String],
        cursor: &PollCursor,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError>;
    /// Soft-deleted records (`queryAll ... IsDeleted = true`) with `SystemModstamp` in (since, until].
    async fn deleted_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SfRecord>, RemoteError>;
    /// getDeleted (`/sobjects/{object}/deleted/`): ids deleted in [start, end) at minute
    /// granularity, with what Salesforce still remembers. `start` must lie within the last 15
    /// days (else `INVALID_REPLICATION_DATE`). One API call.
    async fn deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError>;
    /// Which of `ids` still exist (not deleted) in `object`: `SELECT Id ... WHERE Id IN (...)`,
    /// chunked so each request URL stays within Salesforce's limit (one call per chunk).
    async fn existing_ids(&self, object: &str, ids: &[SfId]) -> Result<Vec<SfId>, RemoteError>;
    /// One backfill page: records matching `where_clause` (rendered, escaped SOQL) with `Id`
    /// after `after`, ordered by `Id`, at most `limit`.
    async fn page_by_id(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
        after: Option<&SfId>,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError>;
    /// `SELECT COUNT() ... WHERE where_clause` (progress estimates).
    async fn count(&self, object: &str, where_clause: Option<&str>) -> Result<u64, RemoteError>;
    /// Start a Bulk API 2.0 query job over the same records `page_by_id` would page through
    /// (one call). Keep the job id: `bulk_status` and `bulk_page` continue it after a restart.
    async fn bulk_start(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
    ) -> Result<BulkJobRef, RemoteError>;
    /// The job's state (one call, no waiting: the caller decides when to ask again).
    async fn bulk_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError>;
    /// One results page of a completed job (one call): from the start (`locator` None) or from
    /// the locator a previous page returned. Values are typed by `object`'s describe exactly as
    /// `page_by_id` returns them.
    async fn bulk_page(
        &self,
        object: &str,
        job_id: &str,
        locator: Option<&str>,
        max_records: usize,
    ) -> Result<BulkPage, RemoteError>;
    /// Start a Bulk API 2.0 ingest job writing `rows` (create, upload one CSV, close: 3 calls).
    /// Keep the job id and the rows: `ingest_status` and `ingest_results` continue from them.
    async fn ingest_start(
        &self,
        object: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError>;
    /// The ingest job's state (one call, no waiting). `Failed`: the job stopped as a whole;
    /// `ingest_results` still tells which rows were written.
    async fn ingest_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError>;
    /// What became of each of `rows` (the rows the job was started with), in input order
    /// (3 calls, a finished job only). Rows the job never processed fail with a transient
    /// error: send them again.
    async fn ingest_results(
        &self,
        object: &str,
        job_id: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// A new ingest upload of `object` with these columns, in this order (no call).
    fn ingest_upload(
        &self,
        object: &str,
        op: &IngestOp,
        columns: &[String],
    ) -> Result<Box<dyn IngestUpload>, RemoteError>;
    /// The key `row` gets in an upload with `columns` (to match results after a restart).
    fn ingest_key(&self, columns: &[String], row: &IngestRow) -> Result<u64, RemoteError>;
    /// Create an ingest job (one call); its id is worth saving before anything is uploaded.
    async fn ingest_open(&self, object: &str, op: &IngestOp) -> Result<BulkJobRef, RemoteError>;
    /// Upload the job's data (an upload's [`IngestUpload::finish`]) and close the job (two
    /// calls): processing starts.
    async fn ingest_send(&self, job_id: &str, data: IngestData) -> Result<(), RemoteError>;
    /// The job's state and counts (one call).
    async fn ingest_state(&self, job_id: &str) -> Result<IngestState, RemoteError>;
    /// Abort a job (one call): what it did not process stays unprocessed.
    async fn ingest_abort(&self, job_id: &str) -> Result<(), RemoteError>;
    /// What became of each row of a finished insert job, by row key, read a chunk at a time:
    /// successful rows only when some succeeded, failed rows only when some failed, unprocessed
    /// rows only when the job did not complete (one call each). Unprocessed rows fail with a
    /// transient error.
    async fn ingest_keyed_results(
        &self,
        object: &str,
        job_id: &str,
        columns: &[String],
        state: &IngestState,
    ) -> Result<KeyedResults, RemoteError>;
    /// Active users with name, e-mail and mobile, for member matching (never written).
    async fn users(&self) -> Result<Vec<SfUser>, RemoteError>;
    /// A scheduled poll's reads at once: Salesforce answers them in one `composite` request
    /// (one API call for up to five queries). Each answer in order, or its own error. Users
    /// listed here are answered again by [`Self::users`] for a minute (the member matching
    /// that follows the poll costs no call).
    async fn poll_reads(&self, reads: &[PollRead]) -> Result<Vec<PollAnswer>, RemoteError> {
        let mut out = Vec::with_capacity(reads.len());
        for read in reads {
            out.push(match read {
                PollRead::Changed {
                    object,
                    fields,
                    cursor,
                    until,
                    limit,
                } => PollAnswer::Records(
                    self.changed_since(object, fields, cursor, *until, *limit)
                        .await,
                ),
                PollRead::Users => PollAnswer::Users(self.users().await),
            });
        }
        Ok(out)
    }
    /// Cached describe (no API call when cached).
    async fn describe(&self, object: &str) -> Result<SfObjectDescribe, RemoteError>;
    /// The org's rolling 24-hour API usage from `/limits` (one call). Made even when the app's
    /// allocation is spent: it is how parked changes learn that the org has calls again.
    async fn org_usage(&self) -> Result<domain::quota::OrgUsage, RemoteError>;
    /// API calls this client has made (for reports).
    fn calls_made(&self) -> u64;
}

/// JING, as the writer and the member use cases need it.
#[async_trait]
pub trait JingPort: Send + Sync {
    /// Batch create; JING's duplicate rules answer `Duplicate([existing])` per record.
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    async fn update(
        &self,
        object: &str,
        records: &[(JingId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Invalidate (作废).
    async fn invalidate(
        &self,
        object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Every employee (member) with name, mobile, e-mail.
    async fn employees(&self) -> Result<Vec<Employee>, RemoteError>;
    async fn create_employee(&self, e: &NewEmployee) -> Result<JingId, RemoteError>;
    /// Records changed since `since` (paged; `page` is the token of the previous answer).
    async fn changed_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        page: Option<&str>,
    ) -> Result<JingPage, RemoteError>;
}

/// One read of a scheduled poll (see [`SalesforcePort::poll_reads`]).
#[derive(Debug, Clone, PartialEq)]
pub enum PollRead {
    /// [`SalesforcePort::changed_since`]'s read.
    Changed {
        object: String,
        fields: Vec<String>,
        cursor: PollCursor,
        until: OffsetDateTime,
        limit: usize,
    },
    /// [`SalesforcePort::users`]'s read.
    Users,
}

/// What one poll read answered.
#[derive(Debug, Clone, PartialEq)]
pub enum PollAnswer {
    Records(Result<Vec<SfRecord>, RemoteError>),
    Users(Result<Vec<SfUser>, RemoteError>),
}

/// Where the poller stands: the last `(SystemModstamp, Id)` it enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollCursor {
    #[serde(with = "time::serde::rfc3339")]
    pub modstamp: OffsetDateTime,
    pub id: Option<SfId>,
}

/// A Bulk API 2.0 query job started for a backfill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJobRef {
    pub job_id: String,
}

/// Where a Bulk query job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkJobState {
    /// Queued or running: ask again on a later step.
    InProgress,
    /// Results can be read; `records` is Salesforce's count of them.
    Complete { records: u64 },
    /// Failed, aborted, or no longer on Salesforce (jobs are purged 7 days after they end):
    /// start a new job.
    Failed(String),
}

/// Where items read a chunk at a time come from: the adapter parses them from an HTTP body as
/// it arrives (a Bulk results page's records, an ingest job's result lists).
#[async_trait]
pub trait ChunkSource<T>: Send {
    /// Up to `n` next items; empty once the source is read.
    async fn next_chunk(&mut self, n: usize) -> Result<Vec<T>, RemoteError>;
}

/// Items already in memory (fakes and tests).
struct Held<T>(std::vec::IntoIter<T>);

#[async_trait]
impl<T: Send> ChunkSource<T> for Held<T> {
    async fn next_chunk(&mut self, n: usize) -> Result<Vec<T>, RemoteError> {
        Ok(self.0.by_ref().take(n).collect())
    }
}

/// Items handed out a chunk at a time, never held whole (see [`BulkRecords`], `KeyedResults`).
pub struct Chunks<T>(Box<dyn ChunkSource<T>>);

impl<T: Send + 'static> Chunks<T> {
    pub fn new(source: impl ChunkSource<T> + 'static) -> Self {
        Self(Box::new(source))
    }

    pub fn from_vec(items: Vec<T>) -> Self {
        Self::new(Held(items.into_iter()))
    }

    /// Up to `n` next items; empty once the source is read.
    pub async fn next_chunk(&mut self, n: usize) -> Result<Vec<T>, RemoteError> {
        self.0.next_chunk(n.max(1)).await
    }

    /// Every remaining item (tests and small sources).
    pub async fn collect_all(mut self) -> Result<Vec<T>, RemoteError> {
        let mut all = Vec::new();
        loop {
            let chunk = self.next_chunk(1_000).await?;
            if chunk.is_empty() {
                return Ok(all);
            }
            all.extend(chunk);
        }
    }
}

impl<T> std::fmt::Debug for Chunks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chunks(..)")
    }
}

/// The records of one Bulk results page, read a chunk at a time: a page holds up to 50,000
/// records, and holding them all at once made the initialization's memory grow with the page
/// (339 MB at a million leads). The adapter parses them from the HTTP body as it arrives, so
/// neither the page's records nor its raw body are ever held whole.
pub type BulkRecords = Chunks<SfRecord>;

/// One results page of a Bulk query job.
#[derive(Debug)]
pub enum BulkPage {
    Records {
        records: BulkRecords,
        /// Where the next page starts; `None` after the last page.
        next_locator: Option<String>,
    },
    /// The job or its results are gone (purged, locator refused): start a new job.
    Expired(String),
}

/// What getDeleted answered for a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedIds {
    /// Deleted ids with their `deletedDate`.
    pub ids_with_dates: Vec<(SfId, OffsetDateTime)>,
    /// The oldest moment Salesforce still knows deletes from: after the asked `start`, deletes
    /// were missed (recycle bin emptied, or older than 15 days) and bound records need checking.
    pub earliest_available: Option<OffsetDateTime>,
    /// Where the next window starts (a whole minute; never the asked `end` blindly).
    pub latest_covered: OffsetDateTime,
}

/// A Salesforce record as read (field values still in Salesforce JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct SfRecord {
    pub id: SfId,
    pub modstamp: OffsetDateTime,
    /// `LastModifiedById`: our integration user's own writes are echoes.
    pub modified_by: Option<SfId>,
    pub deleted: bool,
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A JING record as read.
#[derive(Debug, Clone, PartialEq)]
pub struct JingRecord {
    pub id: JingId,
    pub updated_at: OffsetDateTime,
    /// Whether our own API client made the last change (echo).
    pub by_integration: bool,
    /// Invalidated (作废) in JING: a delete, never something to create elsewhere.
    pub deleted: bool,
    pub fields: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JingPage {
    pub records: Vec<JingRecord>,
    pub next: Option<String>,
}

/// Salesforce tokens after a code exchange (kept in the vault, never in settings or logs).
#[derive(Debug, Clone)]
pub struct SfTokens {
    pub access_token: secrecy::SecretString,
    pub refresh_token: Option<secrecy::SecretString>,
    pub instance_url: String,
    pub id_url: String,
}

/// Who authorized, in which org (from the identity URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfIdentity {
    pub user_id: SfId,
    pub org_id: SfId,
    pub username: String,
}

/// The OAuth 2.0 web-server flow against the app's login host.
#[async_trait]
pub trait SfAuth: Send + Sync {
    /// The authorize URL (with `state` and an S256 `code_challenge`).
    fn authorize_url(
        &self,
        env: &crate::settings::Environment,
        state: &str,
        code_challenge: &str,
    ) -> String;
    async fn exchange(
        &self,
        env: &crate::settings::Environment,
        code: &str,
        verifier: &str,
    ) -> Result<SfTokens, RemoteError>;
    async fn identity(&self, tokens: &SfTokens) -> Result<SfIdentity, RemoteError>;
    async fn revoke(
        &self,
        env: &crate::settings::Environment,
        token: &secrecy::SecretString,
    ) -> Result<(), RemoteError>;
}

/// A Salesforce user as member matching sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SfUser {
    pub id: SfId,
    pub name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub active: bool,
}

/// A JING employee (成员).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Employee {
    pub id: JingId,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployee {
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}
