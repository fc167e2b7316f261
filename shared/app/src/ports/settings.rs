use super::StoreResult;
use crate::settings::AppSettings;
use async_trait::async_trait;
use domain::AppId;

/// App configuration (rules, mappings, scope, allocation, authorized account). Versioned so two
/// admins saving at once cannot silently overwrite each other.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>>;
    /// Save when the stored `revision` equals `settings.revision - 1` (or is absent for 1).
    async fn put(&self, settings: &AppSettings) -> StoreResult<()>;
    async fn list(&self) -> StoreResult<Vec<AppSettings>>;
    async fn delete(&self, app: &AppId) -> StoreResult<()>;
}
