use super::{ListQuery, Page, StoreResult};
use async_trait::async_trait;
use domain::rules::Conflict;
use domain::{AppId, Direction, ObjectKind, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Both sides changed the same two-way field since the last sync (冲突记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictEntry {
    pub app: AppId,
    pub object: ObjectKind,
    pub record_key: String,
    pub field: String,
    pub conflict: Conflict,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One write we made, before and after (per-record change journal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub app: AppId,
    pub object: ObjectKind,
    pub record_key: String,
    pub direction: Direction,
    pub before: BTreeMap<String, Value>,
    pub after: BTreeMap<String, Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait Ledger: Send + Sync {
    async fn add_conflict(&self, c: &ConflictEntry) -> StoreResult<()>;
    async fn conflicts(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ConflictEntry>>;
    async fn journal(&self, entries: &[JournalEntry]) -> StoreResult<()>;
    async fn journal_for(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Vec<JournalEntry>>;
}
