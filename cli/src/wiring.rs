//! The connector assembled on one machine: the embedded SQLite store and durable queue, the
//! Salesforce and JING clients per app (tokens from the vault, every Salesforce call reserved
//! in the quota counter first), and the use-case dependency bundles built from them.

use app::ports::*;
use app::settings::AppSettings;
use domain::AppId;
use jing::{JingClient, JingClientConfig, JingContract};
use local::{LocalStore, SqliteQueue};
use salesforce::port_wiring::{BudgetStores, QuotaBudget, VaultTokenSink};
use salesforce::{OAuthClient, SfAppConfig, SfClient, TokenSet};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// Deliveries a message may fail before it goes to the dead-letter list.
pub const MAX_RECEIVES: u32 = 5;

pub struct Connector {
    pub store: Arc<LocalStore>,
    pub queue: Arc<SqliteQueue>,
    pub clock: Arc<dyn Clock>,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub http: reqwest::Client,
}

/// The two clients of one connected app.
#[derive(Clone)]
pub struct Remotes {
    pub sf: SfClient,
    pub jing: JingClient,
}

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("app {0} is not connected to Salesforce (run the authorization first)")]
    NotConnected(String),
    #[error("app {0} has no JING app secret in the vault")]
    NoJingSecret(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("JING client: {0}")]
    Jing(String),
}

impl Connector {
    pub fn sf_auth(&self) -> salesforce::port::SfAuthAdapter {
        salesforce::port::SfAuthAdapter::new(self.http.clone(), self.sf_app.clone())
    }

    /// Build the clients of a connected app from the vault.
    pub async fn remotes(&self, settings: &AppSettings) -> Result<Remotes, WiringError> {
        let app = &settings.app;
        let account = settings
            .authorized
            .as_ref()
            .ok_or_else(|| WiringError::NotConnected(app.to_string()))?;
        let access = TokenVault::get(self.store.as_ref(), app, SecretKind::SfAccessToken).await?;
        let refresh = TokenVault::get(self.store.as_ref(), app, SecretKind::SfRefreshToken).await?;
        let access = access.ok_or_else(|| WiringError::NotConnected(app.to_string()))?;
        let tokens: TokenSet = SfTokens {
            access_token: access,
            refresh_token: refresh,
            instance_url: account.instance_url.clone(),
            id_url: String::new(),
        }
        .into();
        let env = salesforce::port::sf_environment(&settings.environment);
        let oauth = OAuthClient::new(self.http.clone(), &env, self.sf_app.clone());
        // The budget follows the app's allocation setting and the org's remaining calls.
        let stores = BudgetStores {
            quota: self.store.clone(),
            cursors: self.store.clone(),
            settings: self.store.clone(),
            clock: self.clock.clone(),
        };
        let budget = QuotaBudget::new(stores, settings);
        let sf = SfClient::builder(oauth, tokens)
            .http(self.http.clone())
            .budget(Arc::new(budget))
            .token_sink(Arc::new(VaultTokenSink {
                vault: self.store.clone(),
                app: app.clone(),
            }))
            .build();
        let secret = TokenVault::get(self.store.as_ref(), app, SecretKind::JingAppSecret)
            .await?
            .ok_or_else(|| WiringError::NoJingSecret(app.to_string()))?;
        let creds = jing::Credentials::new(
            settings.jing_app_id.clone(),
            secret.expose_secret().to_owned(),
        );
        let mut cfg = JingClientConfig::new(self.jing_contract.clone(), creds);
        cfg.rate_per_sec = 200.0;
        cfg.burst = 50;
        let jing = JingClient::new(cfg).map_err(|e| WiringError::Jing(e.to_string()))?;
        Ok(Remotes { sf, jing })
    }

    pub fn writer_deps<'a>(&'a self, r: &'a Remotes) -> app::write::Deps<'a> {
        app::write::Deps {
            bindings: self.store.as_ref(),
            errors: self.store.as_ref(),
            synced: self.store.as_ref(),
            ledger: self.store.as_ref(),
            quota: self.store.as_ref(),
            parked: self.store.as_ref(),
            settings: self.store.as_ref(),
            sf: &r.sf,
            jing: &r.jing,
            clock: self.clock.as_ref(),
        }
    }

    pub fn connect_deps<'a>(&'a self, auth: &'a dyn SfAuth) -> app::connect::ConnectDeps<'a> {
        app::connect::ConnectDeps {
            auth,
            settings: self.store.as_ref(),
            vault: self.store.as_ref(),
            cursors: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn push_deps(&self) -> app::capture::PushDeps<'_> {
        app::capture::PushDeps {
            queue: self.queue.as_ref(),
            seen: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn poll_deps<'a>(&'a self, r: &'a Remotes) -> app::capture::PollDeps<'a> {
        app::capture::PollDeps {
            sf: &r.sf,
            queue: self.queue.as_ref(),
            cursors: self.store.as_ref(),
            seen: self.store.as_ref(),
            bindings: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn init_deps<'a>(&'a self, r: &'a Remotes) -> app::init::InitDeps<'a> {
        app::init::InitDeps {
            sf: &r.sf,
            jing: &r.jing,
            queue: self.queue.as_ref(),
            cursors: self.store.as_ref(),
            settings: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub async fn settings(&self, app: &AppId) -> Result<AppSettings, StoreError> {
        SettingsStore::get(self.store.as_ref(), app)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("unknown app {app}")))
    }

    /// Store a secret (JING app secret, webhook token) in the vault.
    pub async fn put_secret(
        &self,
        app: &AppId,
        kind: SecretKind,
        value: &str,
    ) -> Result<(), StoreError> {
        TokenVault::put(
            self.store.as_ref(),
            app,
            kind,
            &SecretString::from(value.to_owned()),
        )
        .await
    }
}
