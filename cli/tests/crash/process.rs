//! `jingsf serve` as a child process that can be killed (`kill -9`), stopped (SIGTERM) and
//! started again on the same data directory and port, driven only through its admin API and
//! the push endpoints the simulators call; and the go-live steps of `going_live.rs` (create
//! the app, consent, register the push endpoints, pick the external-ID fields) in short.

#![allow(dead_code)]

use jing_sim::JingSim;
use jingsf::client::AdminClient;
use serde_json::{Value, json};
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const TOKEN: &str = "crash-serve-admin-token-7d3f0a9b1c2e";
pub const APP: &str = "crash";

/// A data directory (kept across restarts) and the serve process running on it, if any.
pub struct Serve {
    child: Option<Child>,
    pub dir: PathBuf,
    pub port: u16,
    /// Starts so far (each one's stderr goes to `serve-{n}.log`).
    pub starts: usize,
    pub admin: AdminClient,
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // CRASH_KEEP=1 keeps the data directory and the logs of each start for a look.
        if std::env::var_os("CRASH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The configuration: both safety nets every `poll_seconds`.
fn config(dir: &Path, port: u16, sf: &SimConfig, jing: &JingSim, poll_seconds: u64) -> String {
    format!(
        "data_dir = {data:?}\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         poll_seconds = {poll_seconds}\norg_probe_seconds = 1\nallow_custom_login_host = true\n\
         [salesforce]\nclient_id = {id:?}\nclient_secret = {secret:?}\n[jing]\nbase_url = {jing:?}\n",
        data = dir.join("data").display().to_string(),
        id = sf.client_id,
        secret = sf.client_secret,
        jing = jing.base_url(),
    )
}

impl Serve {
    /// A fresh data directory under /dev/shm (SQLite syncs every commit) or the temp dir.
    pub fn new(name: &str, sf: &SimConfig, jing: &JingSim, poll_seconds: u64) -> Result<Serve> {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("jingsf-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        std::fs::write(
            dir.join("jingsf.toml"),
            config(&dir, port, sf, jing, poll_seconds),
        )?;
        let base = format!("http://127.0.0.1:{port}");
        Ok(Serve {
            child: None,
            dir,
            port,
            starts: 0,
            admin: AdminClient::new(&base, TOKEN),
        })
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Start the process (again) and wait until it answers `/healthz`.
    pub async fn start(&mut self) -> Result<Duration> {
        let started = Instant::now();
        self.starts += 1;
        let log = std::fs::File::create(self.log_path(self.starts))?;
        let child = Command::new(env!("CARGO_BIN_EXE_jingsf"))
            .args(["serve", "--config"])
            .arg(self.dir.join("jingsf.toml"))
            .env("JINGSF_ADMIN_TOKEN", TOKEN)
            .env(
                "JINGSF_LOG",
                std::env::var("CRASH_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()?;
        self.child = Some(child);
        let health = format!("{}/healthz", self.base());
        wait_for(
            "serve to answer /healthz",
            Duration::from_secs(30),
            async || Ok(reqwest::get(&health).await.is_ok_and(|r| r.status() == 200)),
        )
        .await?;
        Ok(started.elapsed())
    }

    pub fn log_path(&self, start: usize) -> PathBuf {
        self.dir.join(format!("serve-{start}.log"))
    }

    /// What the current (or last) process wrote to stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path(self.starts)).unwrap_or_default()
    }

    /// `kill -9`: no chance to finish anything.
    pub fn kill9(&mut self) -> Result<()> {
        let mut child = self.child.take().ok_or("serve is not running")?;
        child.kill()?;
        child.wait()?;
        Ok(())
    }

    /// SIGTERM, then wait (at most `limit`) for the process to exit on its own.
    pub fn terminate(&mut self, limit: Duration) -> Result<ExitStatus> {
        let mut child = self.child.take().ok_or("serve is not running")?;
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("serve did not stop within {limit:?} of SIGTERM").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Poll until `done` holds, at most `limit` (everything runs on its own in the processes).
pub async fn wait_for(
    what: &str,
    limit: Duration,
    mut done: impl AsyncFnMut() -> Result<bool>,
) -> Result<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done().await? {
            return Ok(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out after {limit:?} waiting for {what}").into())
}

/// Create the app, connect it through the org's consent page, pick the recommended
/// external-ID fields and switch member matching off. Returns the setup section.
pub async fn install(admin: &AdminClient, sf: &SfSim, jing: &JingSim) -> Result<Value> {
    let jcfg = jing.config();
    admin
        .post(
            "/apps",
            json!({"id": APP, "name": "Crash",
                   "environment": {"kind": "custom", "host": sf.base_url()},
                   "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid,
                   "jing_app_secret": jcfg.app_secret}),
        )
        .await?;
    let started = admin
        .post(&format!("/apps/{APP}/connect"), json!({}))
        .await?;
    let url = started["authorize_url"]
        .as_str()
        .ok_or("no authorize_url")?;
    let back = jingsf::simulated::consent(url).await?;
    if !(back.status().is_success() || back.status().is_redirection()) {
        return Err(format!("OAuth callback answered {}", back.status()).into());
    }
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

/// The outbound-message definitions the setup asks for, sent to `url`.
pub fn outbound(setup: &Value, url: &str) -> Result<OutboundConfig> {
    let mut outbound = OutboundConfig::new(url);
    for def in setup["outbound"].as_array().into_iter().flatten() {
        if def["required"] == true {
            let fields: Vec<&str> = def["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            outbound = outbound.object(def["object"].as_str().ok_or("object")?, &fields);
        }
    }
    Ok(outbound)
}

/// Register both push paths as the two admins would, sent on their own by the simulators:
/// Salesforce's background sender, JING's deliveries every `webhook_every`.
pub fn register(setup: &Value, sf: &SfSim, jing: &JingSim, webhook_every: Duration) -> Result<()> {
    let url = setup["outbound_url"].as_str().ok_or("no outbound_url")?;
    let mut cfg = outbound(setup, url)?;
    cfg.background = true;
    sf.set_outbound(Some(cfg));
    webhook_to(setup, jing, None)?;
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
