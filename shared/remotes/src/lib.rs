//! The Salesforce and JING clients of connected apps, for every deployment ([`Remotes`], an
//! `app::ports::Connections`): Salesforce tokens from the vault (refreshed ones saved back, a
//! rotated refresh token before it is used again, the org checked on every refresh), every
//! Salesforce call reserved in the app's quota counter first (capped by the org's remaining
//! calls), the JING app secret. Clients are kept per app and settings revision for a while, so
//! a JING token lives as long as its expiry and describes stay cached.

use app::ports::{
    AppClients, ClientsError, Connections, SecretKind, SettingsStore, SfAuth, SfTokens, TokenVault,
};
use app::settings::AppSettings;
use async_trait::async_trait;
use domain::AppId;
use jing::{JingClient, JingClientConfig, JingContract};
use salesforce::port_wiring::{BudgetStores, QuotaBudget, VaultTokenSink};
use salesforce::{OAuthClient, SfAppConfig, SfClient, TokenSet};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long built clients are reused. The vault may change under us (another worker rotated a
/// token): after this the clients are rebuilt from it.
pub const REUSE_FOR: Duration = Duration::from_secs(300);

/// What the clients are built from.
#[derive(Clone)]
pub struct ClientSources {
    pub http: reqwest::Client,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub vault: Arc<dyn TokenVault>,
    pub settings: Arc<dyn SettingsStore>,
    pub budget: BudgetStores,
    /// JING calls per second and burst (one machine talks to JING for every app and may go
    /// faster than a Lambda container).
    pub jing_pace: Option<(f64, u32)>,
    /// How the Salesforce client retries inside one call (the queue retries beyond that).
    pub sf_retry: salesforce::RetryPolicy,
}

struct Cached {
    revision: u64,
    built: Instant,
    clients: AppClients,
}

/// The clients of connected apps, built once per app and revision and reused for
/// [`REUSE_FOR`].
pub struct Remotes {
    sources: ClientSources,
    cache: Mutex<HashMap<AppId, Cached>>,
}

impl Remotes {
    pub fn new(sources: ClientSources) -> Self {
        Self {
            sources,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<AppId, Cached>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, settings: &AppSettings) -> Option<AppClients> {
        let cache = self.cache();
        let c = cache.get(&settings.app)?;
        (c.revision == settings.revision && c.built.elapsed() < REUSE_FOR)
            .then(|| c.clients.clone())
    }
}

#[async_trait]
impl Connections for Remotes {
    async fn clients(&self, settings: &AppSettings) -> Result<AppClients, ClientsError> {
        if let Some(c) = self.cached(settings) {
            return Ok(c);
        }
        let clients = AppClients {
            sf: Arc::new(sf_client(&self.sources, settings).await?),
            jing: Arc::new(jing_client(&self.sources, settings).await?),
        };
        self.cache().insert(
            settings.app.clone(),
            Cached {
                revision: settings.revision,
                built: Instant::now(),
                clients: clients.clone(),
            },
        );
        Ok(clients)
    }

    fn forget(&self, app: &AppId) {
        self.cache().remove(app);
    }

    fn auth(&self) -> Arc<dyn SfAuth> {
        let s = &self.sources;
        Arc::new(salesforce::port::SfAuthAdapter::new(
            s.http.clone(),
            s.sf_app.clone(),
        ))
    }
}

async fn sf_client(src: &ClientSources, settings: &AppSettings) -> Result<SfClient, ClientsError> {
    let app = &settings.app;
    let not_connected = || ClientsError::NotConnected(app.clone());
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
        settings: src.settings.clone(),
        org: settings.org().cloned(),
    };
    let options = salesforce::ClientOptions {
        retry: src.sf_retry.clone(),
        ..salesforce::ClientOptions::default()
    };
    Ok(SfClient::builder(oauth, tokens)
        .options(options)
        .http(src.http.clone())
        .budget(Arc::new(budget))
        .token_sink(Arc::new(sink))
        .build())
}

async fn jing_client(
    src: &ClientSources,
    settings: &AppSettings,
) -> Result<JingClient, ClientsError> {
    let app = &settings.app;
    let secret = src
        .vault
        .get(app, SecretKind::JingAppSecret)
        .await?
        .ok_or_else(|| ClientsError::NoJingSecret(app.clone()))?;
    let creds = jing::Credentials::new(
        settings.jing_app_id.clone(),
        secret.expose_secret().to_owned(),
    );
    let mut cfg = JingClientConfig::new(src.jing_contract.clone(), creds);
    if let Some((rate, burst)) = src.jing_pace {
        cfg.rate_per_sec = rate;
        cfg.burst = burst;
    }
    JingClient::new(cfg).map_err(|e| ClientsError::Jing(e.to_string()))
}
