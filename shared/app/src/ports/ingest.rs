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
#[derive(Debug, Clone, PartialEq)]
pub struct IngestRow {
    /// The record to update or delete.
    pub id: Option<SfId>,
    pub fields: Fields,
}
