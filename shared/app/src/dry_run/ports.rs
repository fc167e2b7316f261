//! Stand-in remotes of a dry run: reads go through to the real remotes (counted),
//! writes land in memory and answer success (counted by kind), so the real writer decides
//! exactly as it would while nothing leaves the process.

use crate::ports::*;
use async_trait::async_trait;
use domain::SfId;
use domain::describe::SfObjectDescribe;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;

/// Writes one stand-in remote answered (and did not make).
#[derive(Debug, Default)]
pub struct WriteTally {
    pub creates: AtomicU64,
    pub updates: AtomicU64,
    pub deletes: AtomicU64,
    /// Write requests (one per call the real client would make, ≤ 200 records each).
    pub calls: AtomicU64,
    /// Reads passed through to the real remote.
    pub reads: AtomicU64,
}

impl WriteTally {
    pub(super) fn write(&self, counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
        self.calls
            .fetch_add(n.div_ceil(200) as u64, Ordering::Relaxed);
    }
    pub(super) fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

pub(super) fn fake_id(prefix: &str, n: u64) -> String {
    format!("{prefix}{n:0>12}")
}

pub(super) fn denied() -> RemoteError {
    RemoteError(domain::SyncError::new(domain::ErrorCode::ApiDisabled))
}

/// Salesforce for a dry run: reads pass through, writes succeed in memory.
pub struct DrySf<'a> {
    pub real: &'a dyn SalesforcePort,
    pub tally: WriteTally,
    next: AtomicU64,
}

impl<'a> DrySf<'a> {
    pub fn new(real: &'a dyn SalesforcePort) -> Self {
        Self {
            real,
            tally: WriteTally::default(),
            next: AtomicU64::new(1),
        }
    }
    fn created(&self, n: usize) -> Vec<WriteResult> {
        self.tally.write(&self.tally.creates, n);
        (0..n)
            .map(|_| WriteResult::Ok(fake_id("dry", self.next.fetch_add(1, Ordering::Relaxed))))
            .collect()
    }
}

#[async_trait]
impl SalesforcePort for DrySf<'_> {
    async fn create(&self, _: &str, records: &[Fields]) -> Result<Vec<WriteResult>, RemoteError> {
        Ok(self.created(records.len()))
    }
    async fn update(
        &self,
        _: &str,
        records: &[(SfId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.tally.write(&self.tally.updates, records.len());
        Ok(records
            .iter()
            .map(|(id, _)| WriteResult::Ok(id.to_string()))
            .collect())
    }
    async fn upsert(
        &self,
        _: &str,
        _: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        Ok(self.created(records.len()))
    }
    async fn delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError> {
        self.tally.write(&self.tally.deletes, ids.len());
        Ok(ids
            .iter()
            .map(|id| WriteResult::Ok(id.to_string()))
            .collect())
    }
    async fn find_by(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, RemoteError> {
        self.tally.read();
        self.real.find_by(object, field, values).await
    }
    async fn changed_since(
        &self,
        object: &str,
        fields: &[String],
        cursor: &PollCursor,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.tally.read();
        self.real
            .changed_since(object, fields, cursor, until, limit)
            .await
    }
    async fn deleted_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.tally.read();
        self.real.deleted_since(object, since, until).await
    }
    async fn deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError> {
        self.tally.read();
        self.real.deleted_ids(object, start, end).await
    }
    async fn existing_ids(&self, object: &str, ids: &[SfId]) -> Result<Vec<SfId>, RemoteError> {
        self.tally.read();
        self.real.existing_ids(object, ids).await
    }
    async fn page_by_id(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
        after: Option<&SfId>,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.tally.read();
        self.real
            .page_by_id(object, fields, where_clause, after, limit)
            .await
    }
    async fn count(&self, object: &str, where_clause: Option<&str>) -> Result<u64, RemoteError> {
        self.tally.read();
        self.real.count(object, where_clause).await
    }
    // A dry run never stages creates or reads over Bulk: these are not reached.
    async fn bulk_start(
        &self,
        _: &str,
        _: &[String],
        _: Option<&str>,
    ) -> Result<BulkJobRef, RemoteError> {
        Err(denied())
    }
    async fn bulk_status(&self, _: &str) -> Result<BulkJobState, RemoteError> {
        Err(denied())
    }
    async fn bulk_page(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: usize,
    ) -> Result<BulkPage, RemoteError> {
        Err(denied())
    }
    async fn ingest_start(
        &self,
        _: &str,
        _: &IngestOp,
        _: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError> {
        Err(denied())
    }
    async fn ingest_status(&self, _: &str) -> Result<BulkJobState, RemoteError> {
        Err(denied())
    }
    async fn ingest_results(
        &self,
        _: &str,
        _: &str,
        _: &IngestOp,
        _: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        Err(denied())
    }
    fn ingest_upload(
        &self,
        _: &str,
        _: &IngestOp,
        _: &[String],
    ) -> Result<Box<dyn IngestUpload>, RemoteError> {
        Err(denied())
    }
    fn ingest_key(&self, _: &[String], _: &IngestRow) -> Result<u64, RemoteError> {
        Err(denied())
    }
    async fn ingest_open(&self, _: &str, _: &IngestOp) -> Result<BulkJobRef, RemoteError> {
        Err(denied())
    }
    async fn ingest_send(&self, _: &str, _: IngestData) -> Result<(), RemoteError> {
        Err(denied())
    }
    async fn ingest_state(&self, _: &str) -> Result<IngestState, RemoteError> {
        Err(denied())
    }
    async fn ingest_abort(&self, _: &str) -> Result<(), RemoteError> {
        Err(denied())
    }
    async fn ingest_keyed_results(
        &self,
        _: &str,
        _: &str,
        _: &[String],
        _: &IngestState,
    ) -> Result<KeyedResults, RemoteError> {
        Err(denied())
    }
    async fn users(&self) -> Result<Vec<SfUser>, RemoteError> {
        self.tally.read();
        self.real.users().await
    }
    async fn describe(&self, object: &str) -> Result<SfObjectDescribe, RemoteError> {
        self.real.describe(object).await
    }
    async fn org_usage(&self) -> Result<domain::quota::OrgUsage, RemoteError> {
        self.tally.read();
        self.real.org_usage().await
    }
    fn calls_made(&self) -> u64 {
        WriteTally::get(&self.tally.reads)
    }
}
