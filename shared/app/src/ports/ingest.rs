//! Bulk API 2.0 ingest as the use cases see it: one job writes many rows of one object, and its
//! per-row outcomes are read back in input order (see `SalesforcePort::ingest_*`).

use super::Fields;
use domain::SfId;
use serde::{Deserialize, Serialize};

/// What an ingest job does with its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngestOp {
    Insert,
    /// Rows carry `id`.
    Update,
    /// Rows carry the external id among their `fields`.
    Upsert {
        external_id_field: String,
    },
    /// Rows carry `id` only.
    Delete,
}

/// One row of an ingest job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestRow {
    /// The record to update or delete.
    pub id: Option<SfId>,
    pub fields: Fields,
}

/// An ingest job's upload being built (the Salesforce client writes each row as CSV at once,
/// so a job of hundreds of thousands of rows never holds them as records).
pub trait IngestUpload: Send {
    /// Add a row; answers its key, which its result row carries back
    /// ([`super::SalesforcePort::ingest_keyed_results`]).
    fn push(&mut self, row: &IngestRow) -> Result<u64, super::RemoteError>;
    /// Rows so far.
    fn rows(&self) -> usize;
    /// Bytes so far (Salesforce caps one upload at 150 MB after base64).
    fn bytes(&self) -> usize;
    /// The upload's body, for [`super::SalesforcePort::ingest_send`] (opaque to the use cases).
    fn finish(self: Box<Self>) -> Result<IngestData, super::RemoteError>;
}

/// A finished upload's body. The Salesforce client spools a job's CSV (up to 100 MB) to an
/// unnamed temporary file and streams it from there, so a job's size never shows in memory.
#[derive(Debug)]
pub enum IngestData {
    Bytes(Vec<u8>),
    /// `len` bytes written to `file` (already unlinked: it disappears once dropped).
    Spooled {
        file: std::fs::File,
        len: u64,
    },
}

/// Where an ingest job stands, with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestState {
    /// Created, not closed: nothing was processed (a crash before the upload was closed).
    Open,
    /// Closed, queued or running: ask again later.
    InProgress,
    /// Finished; `failed` of `processed` rows were refused.
    Complete { processed: u64, failed: u64 },
    /// Stopped as a whole (failed, aborted, or purged); rows it processed are in its results,
    /// the others unprocessed.
    Failed {
        reason: String,
        processed: u64,
        failed: u64,
    },
    /// Salesforce no longer knows the job (purged 7 days after it ended): its results are lost
    /// with it, so what it created cannot be told from what it did not.
    Gone(String),
}

/// Where a finished job's `(row key, outcome)` pairs come from: the adapter parses them from
/// the result lists' bodies as they arrive.
#[async_trait::async_trait]
pub trait KeyedResultSource: Send {
    /// Up to `n` next pairs; empty once every list is read.
    async fn next_chunk(
        &mut self,
        n: usize,
    ) -> Result<Vec<(u64, super::WriteResult)>, super::RemoteError>;
}

/// Pairs already in memory (fakes and tests).
struct HeldResults(std::vec::IntoIter<(u64, super::WriteResult)>);

#[async_trait::async_trait]
impl KeyedResultSource for HeldResults {
    async fn next_chunk(
        &mut self,
        n: usize,
    ) -> Result<Vec<(u64, super::WriteResult)>, super::RemoteError> {
        Ok(self.0.by_ref().take(n).collect())
    }
}

/// A finished ingest job's outcomes by row key, read a chunk at a time: a job's results run to
/// hundreds of thousands of rows, and reading a list's body whole kept the connector's memory
/// growing with the job (211 MB at a million leads).
pub struct KeyedResults(Box<dyn KeyedResultSource>);

impl KeyedResults {
    pub fn new(source: impl KeyedResultSource + 'static) -> Self {
        Self(Box::new(source))
    }

    pub fn from_vec(pairs: Vec<(u64, super::WriteResult)>) -> Self {
        Self::new(HeldResults(pairs.into_iter()))
    }

    /// Up to `n` next pairs; empty once every list is read.
    pub async fn next_chunk(
        &mut self,
        n: usize,
    ) -> Result<Vec<(u64, super::WriteResult)>, super::RemoteError> {
        self.0.next_chunk(n.max(1)).await
    }

    /// Every remaining pair (tests and small jobs).
    pub async fn collect_all(
        mut self,
    ) -> Result<Vec<(u64, super::WriteResult)>, super::RemoteError> {
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

impl std::fmt::Debug for KeyedResults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyedResults(..)")
    }
}
