//! The admin state over the AWS adapters. The per-app Salesforce and JING ports stay unset
//! (one admin deployment serves many apps; those endpoints answer 503 "not configured"), the
//! Salesforce OAuth port is set so connecting works.

use admin::AdminState;
use app::ports::{SecretKind, StoreResult, TokenVault};
use async_trait::async_trait;
use aws::Adapters;
use domain::AppId;
use kit::Kit;
use secrecy::SecretString;
use std::sync::Arc;

/// The container's vault (its cache is per container, so it is shared, not cloned).
struct SharedVault(Arc<Adapters>);

#[async_trait]
impl TokenVault for SharedVault {
    async fn put(&self, app: &AppId, kind: SecretKind, value: &SecretString) -> StoreResult<()> {
        self.0.vault.put(app, kind, value).await
    }
    async fn get(&self, app: &AppId, kind: SecretKind) -> StoreResult<Option<SecretString>> {
        self.0.vault.get(app, kind).await
    }
    async fn purge(&self, app: &AppId) -> StoreResult<()> {
        self.0.vault.purge(app).await
    }
}

pub fn admin_state(kit: &Kit, admin_token: SecretString) -> AdminState {
    let a = &kit.adapters;
    AdminState {
        settings: Arc::new(a.settings.clone()),
        bindings: Arc::new(a.bindings.clone()),
        errors: Arc::new(a.errors.clone()),
        sync_log: Arc::new(a.sync_log.clone()),
        ledger: Arc::new(a.ledger.clone()),
        quota: Arc::new(a.quota.clone()),
        parked: Arc::new(a.parked.clone()),
        queue: Arc::new(a.queue.clone()),
        cursors: Arc::new(a.cursors.clone()),
        vault: Arc::new(SharedVault(a.clone())),
        clock: kit.clock.clone(),
        salesforce: None,
        jing: None,
        auth: Some(Arc::new(kit.sf_auth())),
        admin_token,
    }
}
