use super::StoreResult;
use async_trait::async_trait;
use domain::AppId;
use time::OffsetDateTime;

/// Small per-app state: poller cursors, backfill progress, digest watermarks. Values are JSON.
#[async_trait]
pub trait CursorStore: Send + Sync {
    async fn get(&self, app: &AppId, key: &str) -> StoreResult<Option<String>>;
    async fn put(&self, app: &AppId, key: &str, value: &str) -> StoreResult<()>;
}

/// "Have we seen this delivery?" for webhooks and outbound messages: the first claim of a key
/// wins; later claims within the TTL return false (a duplicate delivery enqueues nothing).
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn claim(
        &self,
        key: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Give a claim back (the work it guarded failed and must be redone on redelivery).
    async fn release(&self, key: &str) -> StoreResult<()>;
}
