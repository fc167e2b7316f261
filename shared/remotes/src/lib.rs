//! The Salesforce and JING clients of connected apps, for every deployment ([`Remotes`], an
//! `app::ports::Connections`): Salesforce tokens from the vault (refreshed ones saved back, a
//! rotated refresh token before it is used again, the org checked on every refresh), every
//! Salesforce call reserved in the app's quota counter first (capped by the org's remaining
//! calls), the JING app secret. The Salesforce client is kept per app and connection (who
//! authorized, into which environment) for a while, so describes stay cached; the JING client as
//! long as the app id and secret stay the same, so one JING token serves its whole lifetime
//! (settings revisions come and go many times a minute while initialization runs: neither
//! client is rebuilt for them).

use app::ports::{
    AppClients, ClientsError, Connections, JingPort, SecretKind, SettingsStore, SfAuth, SfTokens,
    TokenVault,
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

/// How long a built Salesforce client is reused. The vault may change under us (another worker
/// rotated a token): after this it is rebuilt from it.
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

/// What the clients of an app depend on in its settings: a change of any of these builds them
/// anew (a reconnect, another environment, another JING app, a new allocation — the budget
/// takes it from the settings the client is built with).
#[derive(Debug, Clone, PartialEq)]
struct ConnectionKey {
    authorized: Option<app::settings::AuthorizedAccount>,
    environment: app::settings::Environment,
    jing_app_id: String,
    jing_tenant: String,
    allocation: app::settings::Allocation,
}

impl ConnectionKey {
    fn of(s: &AppSettings) -> Self {
        Self {
            authorized: s.authorized.clone(),
            environment: s.environment.clone(),
            jing_app_id: s.jing_app_id.clone(),
            jing_tenant: s.jing_tenant.clone(),
            allocation: s.allocation,
        }
    }
}

struct Cached {
    key: ConnectionKey,
    built: Instant,
    clients: AppClients,
    /// The JING secret the JING client was built with (it is kept while the secret stays).
    jing_secret: String,
}

/// The clients of connected apps, built once per app and connection and reused: the
/// Salesforce client for [`REUSE_FOR`], the JING client while its secret stays the same.
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
        (c.key == ConnectionKey::of(settings) && c.built.elapsed() < REUSE_FOR)
            .then(|| c.clients.clone())
    }

    /// The JING client built earlier for the same app id and secret (its token still good).
    fn reusable_jing(&self, settings: &AppSettings, secret: &str) -> Option<Arc<dyn JingPort>> {
        let cache = self.cache();
        let c = cache.get(&settings.app)?;
        (c.key.jing_app_id == settings.jing_app_id
            && c.key.jing_tenant == settings.jing_tenant
            && c.jing_secret == secret)
            .then(|| c.clients.jing.clone())
    }
}

#[async_trait]
impl Connections for Remotes {
    async fn clients(&self, settings: &AppSettings) -> Result<AppClients, ClientsError> {
        if let Some(c) = self.cached(settings) {
            return Ok(c);
        }
        let sf = Arc::new(sf_client(&self.sources, settings).await?);
        let secret = jing_secret(&self.sources, settings).await?;
        let jing = match self.reusable_jing(settings, &secret) {
            Some(jing) => jing,
            None => Arc::new(jing_client(&self.sources, settings, &secret)?),
        };
        let clients = AppClients { sf, jing };
        self.cache().insert(
            settings.app.clone(),
            Cached {
                key: ConnectionKey::of(settings),
                built: Instant::now(),
                clients: clients.clone(),
                jing_secret: secret,
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

async fn jing_secret(src: &ClientSources, settings: &AppSettings) -> Result<String, ClientsError> {
    let app = &settings.app;
    let secret = src
        .vault
        .get(app, SecretKind::JingAppSecret)
        .await?
        .ok_or_else(|| ClientsError::NoJingSecret(app.clone()))?;
    Ok(secret.expose_secret().to_owned())
}

fn jing_client(
    src: &ClientSources,
    settings: &AppSettings,
    secret: &str,
) -> Result<JingClient, ClientsError> {
    let creds = jing::Credentials::new(settings.jing_app_id.clone(), secret.to_owned());
    let mut cfg = JingClientConfig::new(src.jing_contract.clone(), creds);
    if let Some((rate, burst)) = src.jing_pace {
        cfg.rate_per_sec = rate;
        cfg.burst = burst;
    }
    JingClient::new(cfg).map_err(|e| ClientsError::Jing(e.to_string()))
}
