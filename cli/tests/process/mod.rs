//! `jingsf serve` as its own process against the simulators, for the tests that drive the
//! product from outside (going live, the CLI): start it from an empty data directory, wait
//! until it answers, stop it with SIGTERM, poll for what it does on its own.

#![allow(dead_code)] // each test file uses the part it needs

use jing_sim::JingSim;
use jingsf::client::AdminClient;
use sf_sim::SimConfig;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `jingsf serve` as a child process; killed if the test fails half-way.
pub struct Serve {
    pub child: Child,
    pub dir: PathBuf,
    pub base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
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
    let dir = std::env::temp_dir().join(format!("jingsf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = free_port()?;
    let path = dir.join("jingsf.toml");
    std::fs::write(&path, config(&dir, port, sf_cfg, jing, poll_seconds))?;
    let child = Command::new(env!("CARGO_BIN_EXE_jingsf"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("JINGSF_ADMIN_TOKEN", token)
        .env("JINGSF_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let serve = Serve {
        child,
        dir,
        base: base.clone(),
    };
    let health = format!("{base}/healthz");
    wait_for(
        "serve to answer /healthz",
        Duration::from_secs(30),
        async || Ok(reqwest::get(&health).await.is_ok_and(|r| r.status() == 200)),
    )
    .await?;
    Ok((serve, AdminClient::new(&base, token)))
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
    let pid = serve.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status()?;
    let start = Instant::now();
    loop {
        if let Some(status) = serve.child.try_wait()? {
            assert!(status.success(), "serve exited with {status}");
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err("serve did not stop on SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
