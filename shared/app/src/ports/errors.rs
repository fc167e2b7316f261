use super::{ListQuery, Page, StoreResult};
use async_trait::async_trait;
use domain::{AppId, Category, ObjectKind, SyncError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One failing record and its current error (失败列表). Cleared when the record next syncs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    pub app: AppId,
    pub object: ObjectKind,
    /// The record's id on the side the change came from.
    pub record_key: String,
    pub name: String,
    pub error: SyncError,
    /// How many times this record has failed since it last synced.
    pub count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    /// The change the record last failed with, replayed by "retry after fix".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<domain::Change>,
}

/// Failures per record, grouped for the status page and the digest.
#[async_trait]
pub trait ErrorStore: Send + Sync {
    /// Record a failure: creates the record or bumps `count`/`last_seen` and replaces the error.
    async fn record(&self, err: &ErrorRecord) -> StoreResult<()>;
    /// The record synced: its error disappears.
    async fn clear(&self, app: &AppId, object: ObjectKind, record_key: &str) -> StoreResult<()>;
    /// [`clear`](Self::clear) for many records at once (the writer clears a group's records in
    /// one go; stores that can batch the deletes override it).
    async fn clear_all(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_keys: &[String],
    ) -> StoreResult<()> {
        for key in record_keys {
            self.clear(app, object, key).await?;
        }
        Ok(())
    }
    async fn get(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Option<ErrorRecord>>;
    /// Newest first; filters by object, category and search (name or key).
    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ErrorRecord>>;
    /// Failing records per category.
    async fn count_by_category(&self, app: &AppId) -> StoreResult<Vec<(Category, u64)>>;
    /// Failing records per object.
    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>>;
    /// Errors whose `last_seen` is after `since` (for the digest).
    async fn seen_since(&self, app: &AppId, since: OffsetDateTime)
    -> StoreResult<Vec<ErrorRecord>>;
}

/// A record that synced (成功列表).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedRecord {
    pub app: AppId,
    pub object: ObjectKind,
    pub record_key: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
}

/// Last successful sync per record.
#[async_trait]
pub trait SyncLog: Send + Sync {
    async fn record(&self, rec: &SyncedRecord) -> StoreResult<()>;
    /// [`record`](Self::record) for many records at once (stores that can batch override it).
    async fn record_all(&self, recs: &[SyncedRecord]) -> StoreResult<()> {
        for rec in recs {
            self.record(rec).await?;
        }
        Ok(())
    }
    /// Most recent first; filters by object and search.
    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<SyncedRecord>>;
    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>>;
}
