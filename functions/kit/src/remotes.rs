//! The Salesforce and JING clients of one connected app (`remotes`), built from the vault
//! (Secrets Manager, cached per container) and the DynamoDB stores.

use crate::Kit;
use app::ports::{SecretKind, StoreResult, TokenVault};
use app::settings::AppSettings;
use async_trait::async_trait;
use aws::Adapters;
use domain::AppId;
use salesforce::port_wiring::BudgetStores;
use secrecy::SecretString;
use std::sync::Arc;

pub use ::remotes::{Remotes, WiringError};

/// The container's vault as a port (its cache is per container: shared, never cloned).
pub struct SharedVault(pub Arc<Adapters>);

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

impl Kit {
    pub fn sf_auth(&self) -> salesforce::port::SfAuthAdapter {
        salesforce::port::SfAuthAdapter::new(self.http.clone(), self.sf_app.clone())
    }

    /// Build the clients of a connected app.
    pub async fn remotes(&self, settings: &AppSettings) -> Result<Remotes, WiringError> {
        let sources = ::remotes::ClientSources {
            http: self.http.clone(),
            sf_app: self.sf_app.clone(),
            jing_contract: self.jing_contract.clone(),
            vault: Arc::new(SharedVault(self.adapters.clone())),
            budget: BudgetStores {
                quota: Arc::new(self.adapters.quota.clone()),
                cursors: Arc::new(self.adapters.cursors.clone()),
                settings: Arc::new(self.adapters.settings.clone()),
                clock: self.clock.clone(),
            },
        };
        ::remotes::remotes(&sources, settings, |_| {}).await
    }
}
