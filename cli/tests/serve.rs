//! `jingsf serve` end to end against both simulators, through its own listener only: an admin
//! creates an app and connects it (OAuth with state + PKCE through the served callback), starts
//! the initialization from the admin API, and the served work loop alone carries it out — both
//! sides' leads reach the other side — then stops cleanly.

use jing_sim::{JingSim, JingSimConfig};
use jingsf::config::{Config, JingConfig, SalesforceConfig};
use secrecy::SecretString;
use serde_json::{Value as Json, json};
use sf_sim::{SfSim, SimConfig};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TOKEN: &str = "serve-test-admin-token";
const SF_LEADS: usize = 25;
const JING_LEADS: usize = 15;

struct Admin {
    http: reqwest::Client,
    base: String,
}

impl Admin {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Json>) -> Result<Json> {
        let mut req = self
            .http
            .request(method, format!("{}/api{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {text}").into());
        }
        Ok(serde_json::from_str(&text).unwrap_or(Json::Null))
    }
}

fn seed(sf: &SfSim, jing: &JingSim) -> Result<()> {
    for i in 0..SF_LEADS {
        sf.human().create(
            "Lead",
            json!({"LastName": format!("王{i}"), "Company": format!("公司{i}"),
                   "MobilePhone": format!("1390000{i:04}")}),
        )?;
    }
    for i in 0..JING_LEADS {
        jing.human().create_lead(json!({
            "name": format!("李{i}"), "company_id": format!("企业{i}"),
            "mobile": format!("1370000{i:04}"),
        }))?;
    }
    Ok(())
}

/// Follow the authorize URL to the simulator's consent and back to the served callback.
async fn authorize(admin: &Admin) -> Result<()> {
    let answer = admin
        .call(reqwest::Method::POST, "/apps/acme/connect", None)
        .await?;
    let url = answer["authorize_url"].as_str().ok_or("no authorize_url")?;
    let back = jingsf::simulated::consent(url).await?;
    assert!(
        back.url().as_str().starts_with(&admin.base),
        "{}",
        back.url()
    );
    assert!(
        back.status().is_success() || back.status().is_redirection(),
        "callback answered {}",
        back.status()
    );
    Ok(())
}

/// Poll until `done` holds, at most `limit` (the work loop runs on its own).
async fn wait_for(limit: Duration, mut done: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("deadline passed".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initialization_started_from_the_admin_api_is_carried_out_by_serve() -> Result<()> {
    let sf_cfg = SimConfig::default();
    let (client_id, client_secret) = (sf_cfg.client_id.clone(), sf_cfg.client_secret.clone());
    let sf = SfSim::start(sf_cfg).await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    seed(&sf, &jing)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let dir = std::env::temp_dir().join(format!("jingsf-serve-{}", std::process::id()));
    let cfg = Config {
        data_dir: dir.clone(),
        listen: addr,
        public_url: format!("http://{addr}"),
        poll_minutes: 30,
        poll_seconds: None,
        org_probe_seconds: 300,
        salesforce: SalesforceConfig {
            client_id,
            client_secret: Some(client_secret),
        },
        jing: JingConfig {
            base_url: Some(jing.base_url()),
        },
        smtp: None,
        allow_custom_login_host: true,
    };
    let running = jingsf::serve::start(&cfg, listener, SecretString::from(TOKEN)).await?;
    let admin = Admin {
        http: reqwest::Client::new(),
        base: cfg.public_url.clone(),
    };
    let jcfg = jing.config();
    admin
        .call(
            reqwest::Method::POST,
            "/apps",
            Some(json!({
                "id": "acme", "name": "Acme",
                "environment": {"kind": "custom", "host": sf.base_url()},
                "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid,
                "jing_app_secret": jcfg.app_secret,
            })),
        )
        .await?;
    authorize(&admin).await?;
    let window = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    let window = window.format(&time::format_description::well_known::Rfc3339)?;
    admin
        .call(
            reqwest::Method::POST,
            "/apps/acme/init",
            Some(json!({ "window_start": window })),
        )
        .await?;
    // Nothing but the served work loop steps the initialization and drains the writer.
    let total = SF_LEADS + JING_LEADS;
    wait_for(Duration::from_secs(60), async || {
        let init = admin
            .call(reqwest::Method::GET, "/apps/acme/init", None)
            .await?;
        let done = init["init"]["state"] == "done";
        Ok(done && sf.count("Lead") == total && jing.count("lead") == total)
    })
    .await
    .map_err(|e| {
        format!(
            "{e}: Salesforce has {} leads, JING {} (want {total} each)",
            sf.count("Lead"),
            jing.count("lead")
        )
    })?;
    let init = admin
        .call(reqwest::Method::GET, "/apps/acme/init", None)
        .await?;
    assert_eq!(init["locked"], false, "configuration unlocked: {init}");
    running.stop().await?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
