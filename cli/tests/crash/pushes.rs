//! The go-live steps of `going_live.rs` in short (create the app, consent, pick the
//! external-ID fields), and a stand-in listener that keeps a push so it can be sent again, many
//! times at once. The serve process itself is `process/mod.rs`'s.

use super::process::Result;
use jing_sim::JingSim;
use jingsf::client::AdminClient;
use serde_json::{Value, json};
use sf_sim::SfSim;
use std::time::Duration;

pub const TOKEN: &str = "crash-serve-admin-token-7d3f0a9b1c2e";
pub const APP: &str = "crash";

/// Create the app, connect it through the org's consent page, pick the recommended
/// external-ID fields and switch member matching off. Returns the setup section.
pub async fn install(admin: &AdminClient, sf: &SfSim, jing: &JingSim) -> Result<Value> {
    super::process::create_app(admin, APP, "Crash", sf, jing).await?;
    super::process::consent(admin, APP).await?;
    for object in ["lead", "account"] {
        let path = format!("/apps/{APP}/objects/{object}/external-id");
        admin.put(&path, json!({"field": "Jing_Id__c"})).await?;
    }
    admin
        .patch(
            &format!("/apps/{APP}"),
            json!({"member_sync": {"every_minutes": 0, "create_unmatched": false}}),
        )
        .await?;
    Ok(admin.get(&format!("/apps/{APP}/setup")).await?)
}

/// Register both push paths as the two admins would, sent on their own by the simulators:
/// Salesforce's background sender, JING's deliveries every `webhook_every`.
pub fn register(setup: &Value, sf: &SfSim, jing: &JingSim, webhook_every: Duration) -> Result<()> {
    let mut cfg = jingsf::simulated::register(sf, jing, setup)?;
    cfg.background = true;
    sf.set_outbound(Some(cfg));
    jing.deliver_webhooks_every(webhook_every);
    Ok(())
}

/// Point JING's webhook at the connector (or, with `base`, at another listener with the same
/// path and token).
pub fn webhook_to(setup: &Value, jing: &JingSim, base: Option<&str>) -> Result<()> {
    let webhook = setup["webhook_url"].as_str().ok_or("no webhook_url")?;
    let (url, token) = webhook.rsplit_once('/').ok_or("token")?;
    let url = match base {
        Some(b) => {
            let path = url.splitn(4, '/').nth(3).ok_or("webhook path")?;
            format!("{b}/{path}")
        }
        None => url.to_owned(),
    };
    jing.set_webhook(
        &format!("{url}/{{token}}"),
        token,
        setup["webhook_signing_secret"].as_str(),
    );
    Ok(())
}

/// Dead letters of every app, as the admin API lists them.
pub async fn dead_letters(admin: &AdminClient) -> Result<Vec<Value>> {
    let listed = admin.get("/dead-letters").await?;
    Ok(listed["items"].as_array().cloned().unwrap_or_default())
}

/// One request a [`Capture`] listener received.
#[derive(Debug, Clone)]
pub struct Captured {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A listener standing in for the connector: it keeps what it receives and answers `answer`
/// (so a simulator counts the delivery done), to be sent on again as many times as wanted.
pub struct Capture {
    pub base: String,
    pub got: std::sync::Arc<std::sync::Mutex<Vec<Captured>>>,
}

impl Capture {
    pub async fn start(answer: &'static str) -> Result<Capture> {
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = got.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let keep = keep.clone();
            async move {
                let path = req.uri().path().to_owned();
                let headers = req
                    .headers()
                    .iter()
                    .filter(|(k, _)| *k != "host" && *k != "content-length")
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                    .collect();
                let body = axum::body::to_bytes(req.into_body(), 10 << 20)
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                let mut all = keep.lock().unwrap_or_else(|p| p.into_inner());
                all.push(Captured {
                    path,
                    headers,
                    body,
                });
                answer
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Capture { base, got })
    }

    pub fn taken(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.got.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Send `req` to `base` `n` times at once (all released together); the statuses.
pub async fn send_at_once(base: &str, req: &Captured, n: usize) -> Result<Vec<u16>> {
    let http = reqwest::Client::new();
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..n {
        let mut r = http.post(format!("{base}{}", req.path));
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        let r = r.body(req.body.clone());
        let gate = gate.clone();
        sends.spawn(async move {
            gate.wait().await;
            r.send().await.map(|a| a.status().as_u16())
        });
    }
    let mut statuses = Vec::new();
    while let Some(answer) = sends.join_next().await {
        statuses.push(answer??);
    }
    Ok(statuses)
}
