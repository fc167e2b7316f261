//! Ports: small capability traits taking and returning domain types. Each has an in-memory fake
//! (`crate::fakes`), an embedded SQLite adapter (`shared/local`) and an AWS adapter (`shared/aws`),
//! and one contract suite (`crate::contract`) that every implementation passes.

mod bindings;
mod bundle;
mod claims;
mod clock;
mod connections;
mod decisions;
mod errors;
mod ingest;
mod kv;
mod ledger;
mod lifecycle;
mod mailer;
mod queue;
mod quota;
mod remote;
mod settings;
mod staging;
mod vault;

pub use bindings::*;
pub use bundle::*;
pub use claims::*;
pub use clock::*;
pub use connections::*;
pub use decisions::*;
pub use errors::*;
pub use ingest::*;
pub use kv::*;
pub use ledger::*;
pub use lifecycle::*;
pub use mailer::*;
pub use queue::*;
pub use quota::*;
pub use remote::*;
pub use settings::*;
pub use staging::*;
pub use vault::*;

/// Failure of a store or queue adapter. Variants say what the caller does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost a race (version mismatch, key already present): re-read and retry.
    #[error("conditional write failed: {0}")]
    Conflict(String),
    /// The backend is unreachable or throttled: retry later (the message stays queued).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be decoded: a bug or a schema change; do not retry blindly.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Paging and search of admin listings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListQuery {
    /// Substring match on the record name or id (case-insensitive).
    pub search: Option<String>,
    pub object: Option<domain::ObjectKind>,
    pub category: Option<domain::Category>,
    pub offset: u64,
    pub limit: u64,
}
