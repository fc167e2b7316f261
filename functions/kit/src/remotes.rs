//! The Salesforce and JING clients of one connected app, built from the vault (Secrets
//! Manager, cached per container). Refreshed Salesforce tokens go back to the vault, a rotated
//! refresh token before it is used again.

use crate::Kit;
use app::ports::{SecretKind, SfTokens, StoreResult, TokenVault};
use app::settings::AppSettings;
use async_trait::async_trait;
use aws::Adapters;
use domain::AppId;
use jing::{JingClient, JingClientConfig};
use salesforce::port_wiring::{BudgetStores, QuotaBudget, VaultTokenSink};
use salesforce::{OAuthClient, SfClient, TokenSet};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// The two clients of one connected app.
#[derive(Clone)]
pub struct Remotes {
    pub sf: SfClient,
    pub jing: JingClient,
}

/// Why an app's clients cannot be built; each variant says what to do.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// Authorize the app (oauth-callback) first; its changes wait meanwhile.
    #[error("app {0} is not connected to Salesforce (run the authorization first)")]
    NotConnected(String),
    /// Store the JING app secret in the vault.
    #[error("app {0} has no JING app secret in the vault")]
    NoJingSecret(String),
    /// The vault is unreachable: retry later.
    #[error("{0}")]
    Store(#[from] app::ports::StoreError),
    #[error("JING client: {0}")]
    Jing(String),
}

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
        let sf = self.sf_client(settings).await?;
        let jing = self.jing_client(settings).await?;
        Ok(Remotes { sf, jing })
    }

    async fn sf_client(&self, settings: &AppSettings) -> Result<SfClient, WiringError> {
        let app = &settings.app;
        let not_connected = || WiringError::NotConnected(app.to_string());
        let account = settings.authorized.as_ref().ok_or_else(not_connected)?;
        let vault = &self.adapters.vault;
        let access = vault.get(app, SecretKind::SfAccessToken).await?;
        let refresh = vault.get(app, SecretKind::SfRefreshToken).await?;
        let tokens: TokenSet = SfTokens {
            access_token: access.ok_or_else(not_connected)?,
            refresh_token: refresh,
            instance_url: account.instance_url.clone(),
            id_url: String::new(),
        }
        .into();
        let env = salesforce::port::sf_environment(&settings.environment);
        let oauth = OAuthClient::new(self.http.clone(), &env, self.sf_app.clone());
        // The budget re-reads the allocation from the settings (an admin's change applies to
        // warm containers too) and caps it by the org's remaining calls.
        let stores = BudgetStores {
            quota: Arc::new(self.adapters.quota.clone()),
            cursors: Arc::new(self.adapters.cursors.clone()),
            settings: Arc::new(self.adapters.settings.clone()),
            clock: self.clock.clone(),
        };
        let budget = QuotaBudget::new(stores, settings);
        let sink = VaultTokenSink {
            vault: Arc::new(SharedVault(self.adapters.clone())),
            app: app.clone(),
        };
        Ok(SfClient::builder(oauth, tokens)
            .http(self.http.clone())
            .budget(Arc::new(budget))
            .token_sink(Arc::new(sink))
            .build())
    }

    async fn jing_client(&self, settings: &AppSettings) -> Result<JingClient, WiringError> {
        let app = &settings.app;
        let secret = self
            .adapters
            .vault
            .get(app, SecretKind::JingAppSecret)
            .await?
            .ok_or_else(|| WiringError::NoJingSecret(app.to_string()))?;
        let creds = jing::Credentials::new(
            settings.jing_app_id.clone(),
            secret.expose_secret().to_owned(),
        );
        let cfg = JingClientConfig::new(self.jing_contract.clone(), creds);
        JingClient::new(cfg).map_err(|e| WiringError::Jing(e.to_string()))
    }
}
