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

/// A finished ingest job's outcomes by row key, read a chunk at a time: a job's results run to
/// hundreds of thousands of rows, and reading a list's body whole kept the connector's memory
/// growing with the job (211 MB at a million leads). The adapter parses the `(row key,
/// outcome)` pairs from the result lists' bodies as they arrive.
pub type KeyedResults = super::Chunks<(u64, super::WriteResult)>;
