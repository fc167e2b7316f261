//! The embedded connector against both simulators, set up the way a customer goes live: the app
//! is created through the admin API, its setup section read back and registered in the
//! simulators as a Salesforce admin (outbound-message definitions) and a JING admin (webhook
//! URL and signing secret) would, and connected through the OAuth web-server flow. The demo,
//! the convergence test and the benchmarks start from here; they drive the jobs themselves
//! (no work loop), so every step happens when they say.

use crate::client::AdminClient;
use crate::clock::ShiftableClock;
use crate::wiring::{Local, LocalSetup};
use crate::worker::anyhow_lite::Result;
use app::ports::SettingsStore;
use app::settings::AppSettings;
use domain::AppId;
use edge::EdgeOptions;
use jing_sim::{JingSim, JingSimConfig};
use salesforce::SfAppConfig;
use secrecy::SecretString;
use serde_json::{Value, json};
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const CLIENT_ID: &str = "3MVG9LocalSimConsumerKey";
const CLIENT_SECRET: &str = "LocalSimConsumerSecret";
const ADMIN_TOKEN: &str = "local-simulated-admin-token-5b1d9e7c3a";

/// What to start.
pub struct SimSpec<'a> {
    pub app: &'a str,
    pub name: &'a str,
    /// Our listener (outbound messages, webhooks, the OAuth callback, the admin API).
    pub listener: tokio::net::TcpListener,
    /// The SQLite file of the store and queue.
    pub db: &'a Path,
    /// The simulated org's DailyApiRequests.
    pub daily_api_limit: u64,
}

/// Both simulators and the connector, with the app created and registered (not connected).
pub struct Simulated {
    pub sf: SfSim,
    pub jing: JingSim,
    pub local: Local,
    pub clock: Arc<ShiftableClock>,
    pub app: AppId,
    /// The outbound-message definition registered in the simulated org (to switch the
    /// sender's misbehaviour on and off).
    pub outbound: OutboundConfig,
    pub admin: AdminClient,
    pub base_url: String,
}

/// Start both simulators and the connector; create the app through the admin API and register
/// its setup in the simulators. `configure` edits settings the admin API does not reach (the
/// tests' knobs: rules, allocation, thresholds) before anything runs.
pub async fn start(
    spec: SimSpec<'_>,
    configure: impl FnOnce(&mut AppSettings),
) -> Result<Simulated> {
    let base_url = format!("http://{}", spec.listener.local_addr()?);
    let sf = SfSim::start(SimConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        daily_api_limit: spec.daily_api_limit,
        ..SimConfig::default()
    })
    .await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    let clock = Arc::new(ShiftableClock::default());
    let outbox = spec.db.with_extension("outbox");
    let local = crate::wiring::local(LocalSetup {
        db: spec.db,
        clock: clock.clone(),
        mailer: Arc::new(local::LocalMailer::new(outbox, "jingsf@localhost")?),
        sf_app: SfAppConfig::new(
            CLIENT_ID,
            SecretString::from(CLIENT_SECRET.to_owned()),
            &format!("{base_url}/oauth/callback"),
        ),
        jing_contract: jing.contract(),
        options: EdgeOptions {
            public_url: base_url.clone(),
            allow_custom_login_host: true,
            org_probe_every: edge::ORG_PROBE_EVERY,
            dry_run_budget: edge::DRY_RUN_BUDGET_SERVE,
        },
        admin_token: SecretString::from(ADMIN_TOKEN.to_owned()),
        http_timeout: Duration::from_secs(30),
        // The simulated org answers in microseconds: retries inside a call need not wait
        // half a second (the queue's backoff, on the shiftable clock, does the waiting).
        sf_retry: salesforce::RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            ..salesforce::RetryPolicy::default()
        },
    })?;
    let routes = edge::router(local.edge.clone());
    let listener = spec.listener;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!(error = %e, "HTTP listener stopped.");
        }
    });
    let admin = AdminClient::new(&base_url, ADMIN_TOKEN);
    let jcfg = jing.config();
    admin
        .post(
            "/apps",
            json!({
                "id": spec.app, "name": spec.name,
                "environment": {"kind": "custom", "host": sf.base_url()},
                "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid,
                "jing_app_secret": jcfg.app_secret,
            }),
        )
        .await?;
    let app = AppId::parse(spec.app)?;
    tune(&local, &app, configure).await?;
    let setup = admin.get(&format!("/apps/{app}/setup")).await?;
    let outbound = register(&sf, &jing, &setup)?;
    Ok(Simulated {
        sf,
        jing,
        local,
        clock,
        app,
        outbound,
        admin,
        base_url,
    })
}

/// Apply the caller's settings knobs (a test fixture, not a product path).
async fn tune(local: &Local, app: &AppId, configure: impl FnOnce(&mut AppSettings)) -> Result<()> {
    let store = local.edge.settings.as_ref();
    let mut settings = SettingsStore::get(store, app)
        .await?
        .ok_or("the app just created is gone")?;
    let before = settings.clone();
    configure(&mut settings);
    if settings != before {
        settings.revision = before.revision + 1;
        SettingsStore::put(store, &settings).await?;
    }
    Ok(())
}

/// The outbound-message definitions the setup section asks for (the required ones), sent to
/// `url`.
pub fn outbound_definitions(setup: &Value, url: &str) -> Result<OutboundConfig> {
    let mut outbound = OutboundConfig::new(url);
    for def in setup["outbound"].as_array().into_iter().flatten() {
        if def["required"] != true {
            continue;
        }
        let object = def["object"].as_str().ok_or("no object")?;
        let fields: Vec<&str> = def["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        outbound = outbound.object(object, &fields);
    }
    Ok(outbound)
}

/// Register what the setup section says, as the two admins would: an outbound-message
/// definition per object in Salesforce (delivered when asked, not in the background), the
/// webhook URL and signing secret in JING.
pub fn register(sf: &SfSim, jing: &JingSim, setup: &Value) -> Result<OutboundConfig> {
    let url = setup["outbound_url"].as_str().ok_or("no outbound_url")?;
    let mut outbound = outbound_definitions(setup, url)?;
    outbound.background = false;
    sf.set_outbound(Some(outbound.clone()));
    let webhook = setup["webhook_url"].as_str().ok_or("no webhook_url")?;
    let (base, token) = webhook.rsplit_once('/').ok_or("webhook_url has no token")?;
    let secret = setup["webhook_signing_secret"].as_str();
    jing.set_webhook(&format!("{base}/{{token}}"), token, secret);
    Ok(outbound)
}

impl Simulated {
    /// Connect through the admin API and the simulated org's consent; the callback answers
    /// with a redirect to the status page.
    pub async fn connect(&self) -> Result<()> {
        let answer = self
            .admin
            .post(&format!("/apps/{}/connect", self.app), json!({}))
            .await?;
        let url = answer["authorize_url"].as_str().ok_or("no authorize_url")?;
        let back = consent(url).await?;
        let status = back.status();
        if !(status.is_success() || status.is_redirection()) {
            let body = back.text().await.unwrap_or_default();
            return Err(format!("OAuth callback answered {status}: {body}").into());
        }
        Ok(())
    }
}

/// The simulated org approves the authorize URL; follow its redirect to our callback and return
/// the callback's answer (the caller judges its status).
pub async fn consent(authorize_url: &str) -> Result<reqwest::Response> {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let approve = no_redirect.get(authorize_url).send().await?;
    let callback = approve
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the authorize endpoint did not redirect")?
        .to_owned();
    Ok(no_redirect.get(&callback).send().await?)
}
