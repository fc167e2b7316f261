//! `jingsf serve` as its own process against the simulators, for the tests that drive the
//! product from outside (going live, the CLI): start it from an empty data directory, wait
//! until it answers, stop it with SIGTERM, poll for what it does on its own.

#![allow(dead_code)] // each test file uses the part it needs

use jing_sim::JingSim;
use jingsf::client::AdminClient;
use sf_sim::SimConfig;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `jingsf serve` as a child process on a data directory of its own; killed if the test fails
/// half-way. It can be killed (`kill -9`), stopped (SIGTERM) and started again on the same
/// directory and port.
pub struct Serve {
    child: Option<Child>,
    pub dir: PathBuf,
    pub base: String,
    token: String,
    /// Starts so far; with `log_files`, each start's stderr goes to `serve-{n}.log` in `dir`.
    pub starts: usize,
    log_files: bool,
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // CRASH_KEEP=1 keeps the data directory (and its logs) for a look.
        if std::env::var_os("CRASH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A serve configuration running both safety nets every `poll_seconds`, trusting the
/// simulator's login host.
pub fn config(dir: &Path, port: u16, sf: &SimConfig, jing: &JingSim, poll_seconds: u64) -> String {
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

/// Start `jingsf serve` in `jingsf-{name}-{pid}` under the temp directory, with this admin
/// token, polling every second, and wait until it answers `/healthz`.
pub async fn start_serve(
    name: &str,
    token: &str,
    sf_cfg: &SimConfig,
    jing: &JingSim,
) -> Result<(Serve, AdminClient)> {
    start_serve_polling(name, token, sf_cfg, jing, 1).await
}

/// [`start_serve`] with the safety nets every `poll_seconds`.
pub async fn start_serve_polling(
    name: &str,
    token: &str,
    sf_cfg: &SimConfig,
    jing: &JingSim,
    poll_seconds: u64,
) -> Result<(Serve, AdminClient)> {
    let mut serve = Serve::new(name, token, sf_cfg, jing, poll_seconds)?;
    serve.start().await?;
    let admin = serve.admin();
    Ok((serve, admin))
}

impl Serve {
    /// A fresh data directory and configuration; nothing started yet.
    pub fn new(
        name: &str,
        token: &str,
        sf_cfg: &SimConfig,
        jing: &JingSim,
        poll_seconds: u64,
    ) -> Result<Serve> {
        let dir = std::env::temp_dir().join(format!("jingsf-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        let cfg = config(&dir, port, sf_cfg, jing, poll_seconds);
        std::fs::write(dir.join("jingsf.toml"), cfg)?;
        Ok(Serve {
            child: None,
            dir,
            base: format!("http://127.0.0.1:{port}"),
            token: token.to_owned(),
            starts: 0,
            log_files: false,
        })
    }

    /// Custom login hosts allowed or not (allowed by default: the simulator's host is one).
    pub fn with_custom_login_hosts(self, allowed: bool) -> Result<Self> {
        let path = self.dir.join("jingsf.toml");
        let cfg = std::fs::read_to_string(&path)?.replace(
            "allow_custom_login_host = true",
            &format!("allow_custom_login_host = {allowed}"),
        );
        std::fs::write(path, cfg)?;
        Ok(self)
    }

    /// Each start's stderr to its own file (see [`Serve::log`]) instead of the test's.
    pub fn with_log_files(mut self) -> Self {
        self.log_files = true;
        self
    }

    pub fn admin(&self) -> AdminClient {
        AdminClient::new(&self.base, &self.token)
    }

    /// Start the process (again, on the same directory and port) and wait until it answers
    /// `/healthz`. `JINGSF_TEST_LOG` sets its log filter (default `warn`).
    pub async fn start(&mut self) -> Result<Duration> {
        let started = Instant::now();
        self.starts += 1;
        let stderr = match self.log_files {
            true => Stdio::from(std::fs::File::create(self.log_path(self.starts))?),
            false => Stdio::inherit(),
        };
        let log = std::env::var("JINGSF_TEST_LOG").unwrap_or_else(|_| "warn".into());
        let child = Command::new(env!("CARGO_BIN_EXE_jingsf"))
            .args(["serve", "--config"])
            .arg(self.dir.join("jingsf.toml"))
            .env("JINGSF_ADMIN_TOKEN", &self.token)
            .env_remove("JINGSF_ALLOW_CUSTOM_LOGIN_HOST")
            .env("JINGSF_LOG", log)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()?;
        self.child = Some(child);
        let health = format!("{}/healthz", self.base);
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

    /// What the current (or last) start wrote to stderr (with log files).
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
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
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

/// Poll until `done` holds, at most `limit` (everything runs on its own in the process).
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

/// SIGTERM: the loop finishes its batch and the process exits cleanly.
pub fn stop(serve: &mut Serve) -> Result<()> {
    let status = serve.terminate(Duration::from_secs(20))?;
    assert!(status.success(), "serve exited with {status}");
    Ok(())
}

/// Create app `id` on the simulated org and JING tenant through the admin API, as an admin
/// fills in the form.
pub async fn create_app(
    admin: &AdminClient,
    id: &str,
    name: &str,
    sf: &sf_sim::SfSim,
    jing: &JingSim,
) -> Result<()> {
    let jcfg = jing.config();
    let body = serde_json::json!({"id": id, "name": name,
        "environment": {"kind": "custom", "host": sf.base_url()},
        "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid,
        "jing_app_secret": jcfg.app_secret});
    admin.post("/apps", body).await?;
    Ok(())
}

/// Connect app `id` through the org's consent page; the callback must send the admin back to
/// the page with `connected=1`.
pub async fn consent(admin: &AdminClient, id: &str) -> Result<()> {
    let started = admin
        .post(&format!("/apps/{id}/connect"), serde_json::json!({}))
        .await?;
    let url = started["authorize_url"]
        .as_str()
        .ok_or("no authorize_url")?;
    let back = jingsf::simulated::consent(url).await?;
    let location = back
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !(back.status().is_redirection() && location.contains("connected=1")) {
        return Err(format!("callback answered {} {location}", back.status()).into());
    }
    Ok(())
}
