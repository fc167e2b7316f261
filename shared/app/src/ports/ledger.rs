use super::{ListQuery, Page, StoreResult};
use async_trait::async_trait;
use domain::rules::Conflict;
use domain::{AppId, Direction, ObjectKind, Side, Value};
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
    /// The direction of the change that met the conflict: `conflict.incoming` is its origin's
    /// value, `conflict.target` the other side's (both in the target's terms). Entries written
    /// before this was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// An admin settled it from the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<Settlement>,
}

/// How an admin settled a conflict: whose value both sides keep, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub keep: Side,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Which conflict entries a settlement closes: every unsettled one of the record's field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictKey<'a> {
    pub object: ObjectKind,
    pub record_key: &'a str,
    pub field: &'a str,
}

impl ConflictKey<'_> {
    /// An unsettled entry of this record's field.
    pub fn open(&self, c: &ConflictEntry) -> bool {
        c.object == self.object
            && c.record_key == self.record_key
            && c.field == self.field
            && c.settled.is_none()
    }
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
    /// Mark every unsettled entry of `key` settled; returns how many.
    async fn settle_conflicts(
        &self,
        app: &AppId,
        key: &ConflictKey<'_>,
        settlement: &Settlement,
    ) -> StoreResult<u64>;
    async fn journal(&self, entries: &[JournalEntry]) -> StoreResult<()>;
    async fn journal_for(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Vec<JournalEntry>>;
}
