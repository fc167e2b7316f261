//! The intake's short-lived copy of each app's settings. Every push used to read them from the
//! store (on AWS a GetItem and the pauses Query: half of a webhook's requests); a warm Lambda
//! container or a serve process now reads them at most once per [`SETTINGS_TTL`] per app.
//!
//! What it must not weaken: the credentials are not in it (the URL token and the signing secret
//! come from the vault and are compared on every delivery); an unknown app is never remembered
//! (nothing to probe or to keep open); every admin API change and every OAuth callback in this
//! process forgets every entry at once, so in `jingsf serve` a change applies to the next push.
//! Another Lambda container sees a change made through the admin API function within the TTL.

use app::ports::{SettingsStore, StoreError};
use app::settings::AppSettings;
use domain::AppId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the intake uses settings it read (documented in docs/security.md).
pub const SETTINGS_TTL: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct SettingsCache {
    ttl: Duration,
    entries: Mutex<HashMap<AppId, (Arc<AppSettings>, Instant)>>,
}

impl Default for SettingsCache {
    fn default() -> Self {
        Self::new(SETTINGS_TTL)
    }
}

impl SettingsCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AppId, (Arc<AppSettings>, Instant)>> {
        // A panic while holding the lock cannot leave the map half-written; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The app's settings: the copy read less than the TTL ago, else the store's (remembered
    /// only when the app exists).
    pub async fn get(
        &self,
        store: &dyn SettingsStore,
        app: &AppId,
    ) -> Result<Option<Arc<AppSettings>>, StoreError> {
        if let Some((s, at)) = self.lock().get(app)
            && at.elapsed() < self.ttl
        {
            return Ok(Some(s.clone()));
        }
        let Some(settings) = store.get(app).await? else {
            self.lock().remove(app);
            return Ok(None);
        };
        let settings = Arc::new(settings);
        let mut entries = self.lock();
        // Expired entries of other apps go too: the map never outgrows the live apps.
        entries.retain(|_, (_, at)| at.elapsed() < self.ttl);
        entries.insert(app.clone(), (settings.clone(), Instant::now()));
        Ok(Some(settings))
    }

    /// Forget every app's copy (an admin change or a connect in this process).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::fakes::MemSettingsStore;
    use app::settings::Environment;

    fn acme() -> AppSettings {
        let app = AppId::parse("acme").unwrap();
        AppSettings {
            revision: 1,
            ..AppSettings::new(app, "Acme", Environment::Production, "jing", "59")
        }
    }

    #[tokio::test]
    async fn settings_are_read_once_per_ttl_and_read_again_after_clear() {
        let (store, cache) = (MemSettingsStore::default(), SettingsCache::default());
        let app = acme().app;
        store.put(&acme()).await.unwrap();
        assert!(cache.get(&store, &app).await.unwrap().is_some());
        store.delete(&app).await.unwrap();
        assert!(
            cache.get(&store, &app).await.unwrap().is_some(),
            "the copy is used within the TTL"
        );
        cache.clear();
        assert!(cache.get(&store, &app).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_unknown_app_is_never_remembered() {
        let (store, cache) = (MemSettingsStore::default(), SettingsCache::default());
        let app = acme().app;
        assert!(cache.get(&store, &app).await.unwrap().is_none());
        store.put(&acme()).await.unwrap();
        assert!(cache.get(&store, &app).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_expired_copy_is_read_again() {
        let (store, cache) = (
            MemSettingsStore::default(),
            SettingsCache::new(Duration::ZERO),
        );
        let app = acme().app;
        store.put(&acme()).await.unwrap();
        assert!(cache.get(&store, &app).await.unwrap().is_some());
        store.delete(&app).await.unwrap();
        assert!(cache.get(&store, &app).await.unwrap().is_none());
    }
}
