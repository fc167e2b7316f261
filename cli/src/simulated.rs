//! The connector on one machine wired to both simulators — SQLite store and queue, one app with
//! its JING secrets, Salesforce outbound messages and JING webhooks pointed at our listener —
//! and the OAuth consent the simulated org gives. The demo, the convergence test, its
//! benchmarks and the serve test start from here.

use crate::clock::ShiftableClock;
use crate::wiring::Connector;
use crate::worker::anyhow_lite::Result;
use app::ports::{SecretKind, SettingsStore};
use app::settings::{AppSettings, Environment};
use domain::{AppId, ObjectKind, ObjectSpec};
use jing_sim::{JingSim, JingSimConfig};
use salesforce::SfAppConfig;
use secrecy::SecretString;
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const CLIENT_ID: &str = "3MVG9LocalSimConsumerKey";
const CLIENT_SECRET: &str = "LocalSimConsumerSecret";
const WEBHOOK_TOKEN: &str = "wh-local-4f9c2b7e1d";
const WEBHOOK_SECRET: &str = "local-signing-secret";

/// What to start.
pub struct SimSpec<'a> {
    pub app: &'a str,
    pub name: &'a str,
    /// Where our listener answers (outbound messages, webhooks, the OAuth callback).
    pub base_url: &'a str,
    /// The SQLite file of the store and queue.
    pub db: &'a Path,
    /// The simulated org's DailyApiRequests.
    pub daily_api_limit: u64,
}

/// Both simulators and the connector, with the app saved (not yet authorized).
pub struct Simulated {
    pub sf: SfSim,
    pub jing: JingSim,
    pub conn: Arc<Connector>,
    pub clock: Arc<ShiftableClock>,
    pub app: AppId,
    /// The outbound-message definition (to switch the sender's misbehaviour on and off).
    pub outbound: OutboundConfig,
}

/// Start both simulators and the connector; `configure` edits the app's settings before they
/// are saved.
pub async fn start(
    spec: SimSpec<'_>,
    configure: impl FnOnce(&mut AppSettings),
) -> Result<Simulated> {
    let app = AppId::parse(spec.app)?;
    let outbound = outbound_config(spec.base_url, spec.app);
    let sf = SfSim::start(SimConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        outbound: Some(outbound.clone()),
        daily_api_limit: spec.daily_api_limit,
        ..SimConfig::default()
    })
    .await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    jing.set_webhook(
        &format!("{}/jing/webhook/{}/{{token}}", spec.base_url, spec.app),
        WEBHOOK_TOKEN,
        Some(WEBHOOK_SECRET),
    );
    let store = Arc::new(local::LocalStore::open(spec.db)?);
    let clock = Arc::new(ShiftableClock::default());
    let queue = Arc::new(store.queue(clock.clone(), crate::wiring::MAX_RECEIVES));
    let conn = Arc::new(Connector {
        store,
        queue,
        clock: clock.clone(),
        sf_app: SfAppConfig::new(
            CLIENT_ID,
            SecretString::from(CLIENT_SECRET.to_owned()),
            &format!("{}/oauth/callback", spec.base_url),
        ),
        jing_contract: jing.contract(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
    });
    let jcfg = jing.config();
    let mut settings = AppSettings::new(
        app.clone(),
        spec.name,
        Environment::Custom(sf.base_url().to_string()),
        &jcfg.app_id,
        &jcfg.mid,
    );
    settings.revision = 1;
    configure(&mut settings);
    SettingsStore::put(conn.store.as_ref(), &settings).await?;
    conn.put_secret(&app, SecretKind::JingAppSecret, &jcfg.app_secret)
        .await?;
    conn.put_secret(&app, SecretKind::WebhookToken, WEBHOOK_TOKEN)
        .await?;
    conn.put_secret(&app, SecretKind::WebhookSigningSecret, WEBHOOK_SECRET)
        .await?;
    Ok(Simulated {
        sf,
        jing,
        conn,
        clock,
        app,
        outbound,
    })
}

/// Outbound messages for leads and accounts: every default mapped field, plus who changed the
/// record, when, and (leads) the conversion fields. Delivered when asked (not in the background).
fn outbound_config(base_url: &str, app: &str) -> OutboundConfig {
    let mut outbound = OutboundConfig::new(format!("{base_url}/sf/outbound/{app}"));
    let lead_extra = [
        "IsConverted",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
    ];
    outbound.objects = vec![
        (
            "Lead".into(),
            outbound_fields(ObjectKind::Lead, &lead_extra),
        ),
        ("Account".into(), outbound_fields(ObjectKind::Account, &[])),
    ];
    outbound.background = false;
    outbound
}

fn outbound_fields(kind: ObjectKind, extra: &[&str]) -> Vec<String> {
    let spec = ObjectSpec::of(kind);
    let mapped = spec.defaults.iter().map(|d| d.sf.name);
    let tracking = ["LastModifiedById", "SystemModstamp"];
    mapped
        .chain(tracking)
        .chain(extra.iter().copied())
        .map(String::from)
        .collect()
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
