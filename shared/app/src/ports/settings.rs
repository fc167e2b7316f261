use super::StoreResult;
use crate::settings::{AppSettings, Pause};
use async_trait::async_trait;
use domain::AppId;

/// App configuration (rules, mappings, scope, allocation, authorized account). Versioned so two
/// admins saving at once cannot silently overwrite each other.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The settings with every pause, those saved with them and those added by [`pause`].
    ///
    /// [`pause`]: SettingsStore::pause
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>>;
    /// Save when the stored `revision` equals `settings.revision - 1` (or is absent for 1).
    /// Directions not paused in `settings` are resumed, wherever their pause was kept.
    async fn put(&self, settings: &AppSettings) -> StoreResult<()>;
    async fn list(&self) -> StoreResult<Vec<AppSettings>>;
    async fn delete(&self, app: &AppId) -> StoreResult<()>;

    /// Stop directions (the circuit breaker, a token refresh into another org) without
    /// rewriting the rest of the settings: the workers that pause may not change an app's
    /// configuration (on AWS they have no write access to the apps table, and the pauses are
    /// kept beside it). A direction already paused keeps its first reason.
    ///
    /// The default reads, adds and saves with the revision check (one process, one file).
    async fn pause(&self, app: &AppId, pauses: &[Pause]) -> StoreResult<()> {
        let Some(mut current) = self.get(app).await? else {
            return Ok(());
        };
        let before = current.paused.len();
        for p in pauses {
            if !current.is_paused(p.object, p.direction) {
                current.paused.push(p.clone());
            }
        }
        if current.paused.len() == before {
            return Ok(());
        }
        current.revision += 1;
        self.put(&current).await
    }
}
