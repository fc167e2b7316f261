//! The Salesforce and JING clients of one connected app, built from the vault: Salesforce
//! tokens (refreshed ones saved back, a rotated refresh token before it is used again), every
//! Salesforce call reserved in the app's quota counter first (capped by the org's remaining
//! calls), the JING app secret. Every deployment (Lambda kit, jingsf) builds them here.

use app::ports::{SecretKind, SfTokens, StoreError, TokenVault};
use app::settings::AppSettings;
use jing::{JingClient, JingClientConfig, JingContract};
use salesforce::port_wiring::{BudgetStores, QuotaBudget, VaultTokenSink};
use salesforce::{OAuthClient, SfAppConfig, SfClient, TokenSet};
use secrecy::ExposeSecret;
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
    /// Authorize the app first; its changes wait meanwhile.
    #[error("app {0} is not connected to Salesforce (run the authorization first)")]
    NotConnected(String),
    /// Store the JING app secret in the vault.
    #[error("app {0} has no JING app secret in the vault")]
    NoJingSecret(String),
    /// The vault is unreachable: retry later.
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("JING client: {0}")]
    Jing(String),
}

/// What the clients are built from.
pub struct ClientSources {
    pub http: reqwest::Client,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub vault: Arc<dyn TokenVault>,
    pub budget: BudgetStores,
}

/// Build the clients of a connected app; `tune_jing` adjusts the JING client (e.g. its pace).
pub async fn remotes(
    src: &ClientSources,
    settings: &AppSettings,
    tune_jing: impl FnOnce(&mut JingClientConfig),
) -> Result<Remotes, WiringError> {
    let sf = sf_client(src, settings).await?;
    let jing = jing_client(src, settings, tune_jing).await?;
    Ok(Remotes { sf, jing })
}

async fn sf_client(src: &ClientSources, settings: &AppSettings) -> Result<SfClient, WiringError> {
    let app = &settings.app;
    let not_connected = || WiringError::NotConnected(app.to_string());
    let account = settings.authorized.as_ref().ok_or_else(not_connected)?;
    let access = src.vault.get(app, SecretKind::SfAccessToken).await?;
    let refresh = src.vault.get(app, SecretKind::SfRefreshToken).await?;
    let tokens: TokenSet = SfTokens {
        access_token: access.ok_or_else(not_connected)?,
        refresh_token: refresh,
        instance_url: account.instance_url.clone(),
        id_url: String::new(),
    }
    .into();
    let env = salesforce::port::sf_environment(&settings.environment);
    let oauth = OAuthClient::new(src.http.clone(), &env, src.sf_app.clone());
    // The budget re-reads the allocation from the settings (an admin's change applies to
    // running workers too) and caps it by the org's remaining calls.
    let budget = QuotaBudget::new(src.budget.clone(), settings);
    let sink = VaultTokenSink {
        vault: src.vault.clone(),
        app: app.clone(),
    };
    Ok(SfClient::builder(oauth, tokens)
        .http(src.http.clone())
        .budget(Arc::new(budget))
        .token_sink(Arc::new(sink))
        .build())
}

async fn jing_client(
    src: &ClientSources,
    settings: &AppSettings,
    tune: impl FnOnce(&mut JingClientConfig),
) -> Result<JingClient, WiringError> {
    let app = &settings.app;
    let secret = src
        .vault
        .get(app, SecretKind::JingAppSecret)
        .await?
        .ok_or_else(|| WiringError::NoJingSecret(app.to_string()))?;
    let creds = jing::Credentials::new(
        settings.jing_app_id.clone(),
        secret.expose_secret().to_owned(),
    );
    let mut cfg = JingClientConfig::new(src.jing_contract.clone(), creds);
    tune(&mut cfg);
    JingClient::new(cfg).map_err(|e| WiringError::Jing(e.to_string()))
}
