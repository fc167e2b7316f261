//! The initialization benchmark's harness, shared by the `init_scale` example (simulators as
//! their own processes, 10k to 1M leads) and the `init_scale` test (10,000 leads in CI, the
//! simulators in the test's process): `jingsf serve` runs as its own process on its own SQLite
//! data directory and is driven through public surfaces only (the admin API, the simulated
//! org's consent page); its CPU time and peak RSS are read from `/proc/<pid>` (Linux), so they
//! are the connector's alone.

#![allow(dead_code)]

use jingsf::client::AdminClient;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TOKEN: &str = "init-scale-admin-token-5b1d9e7c3a0f";
const APP: &str = "scale";
/// Records per seeding request (each is one HTTP request to a simulator).
const SEED_CHUNK: usize = 50_000;

/// Where the simulators answer and the credentials they were started with.
#[derive(Debug, Clone)]
pub struct Sims {
    pub sf_url: String,
    pub sf_client_id: String,
    pub sf_client_secret: String,
    pub jing_url: String,
    pub jing_app_id: String,
    pub jing_app_secret: String,
    pub jing_mid: String,
}

/// Which side holds the leads at the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Salesforce leads into JING.
    SfToJing,
    /// JING leads into Salesforce.
    JingToSf,
}

impl Way {
    pub fn label(self) -> &'static str {
        match self {
            Way::SfToJing => "Salesforce → JING",
            Way::JingToSf => "JING → Salesforce",
        }
    }
}

/// One measured initialization.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub leads: usize,
    pub seconds: f64,
    /// Salesforce calls charged from the start of initialization to its end.
    pub sf_calls: u64,
    pub sf_by_kind: BTreeMap<String, u64>,
    pub jing_calls: u64,
    pub jing_by_kind: BTreeMap<String, u64>,
    /// The connector process's CPU time over the same interval (user, system).
    pub cpu_user: f64,
    pub cpu_sys: f64,
    /// The connector process's peak resident set (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
    /// Leads the connector lists as synced / failed, and what the target holds.
    pub ok: u64,
    pub failed: u64,
    pub target_count: u64,
    /// Sampled target records whose values match their origin's.
    pub samples_checked: usize,
    /// CPU seconds (user + system) each simulator process spent over the same interval, when
    /// the caller measured them (where a run's wall time goes besides the connector).
    pub sim_cpu: BTreeMap<&'static str, f64>,
}

impl Measured {
    pub fn cpu_us_per_record(&self) -> f64 {
        (self.cpu_user + self.cpu_sys) * 1e6 / self.leads.max(1) as f64
    }
    pub fn records_per_second(&self) -> f64 {
        self.leads as f64 / self.seconds.max(1e-9)
    }
}

/// Create `leads` generated leads on the origin side.
pub async fn seed(sims: &Sims, way: Way, leads: usize) -> Result<()> {
    let http = reqwest::Client::new();
    let (url, object) = match way {
        Way::SfToJing => (format!("{}/_sim/seed", sims.sf_url), "Lead"),
        Way::JingToSf => (format!("{}/_sim/seed", sims.jing_url), "lead"),
    };
    let mut start = 0;
    while start < leads {
        let count = SEED_CHUNK.min(leads - start);
        let resp = http
            .post(&url)
            .json(&json!({"object": object, "count": count, "start": start}))
            .timeout(Duration::from_secs(600))
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        let refused = !status.is_success() || body.get("code").is_some_and(|c| c != 0);
        if refused {
            return Err(format!("seeding refused: {status} {body}").into());
        }
        start += count;
    }
    Ok(())
}

/// `jingsf serve` as a child process, killed (and its data removed) when dropped.
pub struct Serve {
    child: Child,
    dir: PathBuf,
    pub admin: AdminClient,
}

impl Serve {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // INIT_SCALE_KEEP=1 keeps the data directory for a look at the database afterwards.
        if std::env::var_os("INIT_SCALE_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Start `serve` on a fresh data directory under `dir` (no scheduled poll during the run).
pub async fn start_serve(bin: &Path, dir: &Path, sims: &Sims) -> Result<Serve> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let port = free_port()?;
    let config = format!(
        "data_dir = {data:?}\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\
         poll_minutes = 1440\nallow_custom_login_host = true\n\
         [salesforce]\nclient_id = {id:?}\nclient_secret = {secret:?}\n[jing]\nbase_url = {jing:?}\n",
        data = dir.join("data").display().to_string(),
        id = sims.sf_client_id,
        secret = sims.sf_client_secret,
        jing = sims.jing_url,
    );
    let path = dir.join("jingsf.toml");
    std::fs::write(&path, config)?;
    let child = Command::new(bin)
        .args(["serve", "--config"])
        .arg(&path)
        .env("JINGSF_ADMIN_TOKEN", TOKEN)
        // INIT_SCALE_LOG=info (or a filter) shows what the connector does during the run.
        .env(
            "JINGSF_LOG",
            std::env::var("INIT_SCALE_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let serve = Serve {
        child,
        dir: dir.to_owned(),
        admin: AdminClient::new(&base, TOKEN),
    };
    let health = format!("{base}/healthz");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
        if Instant::now() > deadline {
            return Err("serve did not answer /healthz".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(serve)
}

/// Create the app through the admin API and connect it through the org's consent page.
pub async fn install(serve: &Serve, sims: &Sims) -> Result<()> {
    serve
        .admin
        .post(
            "/apps",
            json!({
                "id": APP, "name": "Scale",
                "environment": {"kind": "custom", "host": sims.sf_url},
                "jing_app_id": sims.jing_app_id, "jing_tenant": sims.jing_mid,
                "jing_app_secret": sims.jing_app_secret,
            }),
        )
        .await?;
    let answer = serve
        .admin
        .post(&format!("/apps/{APP}/connect"), json!({}))
        .await?;
    let url = answer["authorize_url"].as_str().ok_or("no authorize_url")?;
    let back = jingsf::simulated::consent(url).await?;
    if !(back.status().is_success() || back.status().is_redirection()) {
        return Err(format!("OAuth callback answered {}", back.status()).into());
    }
    Ok(())
}

/// Total calls and calls per kind as a simulator counts them.
async fn calls(sims: &Sims, way_sf: bool) -> Result<(u64, BTreeMap<String, u64>)> {
    if way_sf {
        let v: Value = reqwest::get(format!("{}/_sim/calls", sims.sf_url))
            .await?
            .json()
            .await?;
        let by_kind = serde_json::from_value(v["by_kind"].clone())?;
        return Ok((v["total"].as_u64().unwrap_or(0), by_kind));
    }
    let v: Value = reqwest::get(format!("{}/_sim/calls", sims.jing_url))
        .await?
        .json()
        .await?;
    let by_kind: BTreeMap<String, u64> = serde_json::from_value(v["data"].clone())?;
    Ok((by_kind.values().sum(), by_kind))
}

/// Live leads the target simulator holds.
async fn target_count(sims: &Sims, way: Way) -> Result<u64> {
    let http = reqwest::Client::new();
    let v: Value = match way {
        Way::SfToJing => {
            let url = format!("{}/_sim/count", sims.jing_url);
            let v: Value = http
                .post(url)
                .json(&json!({"object": "lead"}))
                .send()
                .await?
                .json()
                .await?;
            v["data"].clone()
        }
        Way::JingToSf => {
            let url = format!("{}/_sim/count?object=Lead", sims.sf_url);
            http.get(url).send().await?.json().await?
        }
    };
    v["count"].as_u64().ok_or_else(|| "no count".into())
}

/// The process's CPU seconds (user, system) from `/proc/<pid>/stat` (clock ticks of 1/100 s).
pub fn cpu_seconds(pid: u32) -> Result<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let rest = stat.rsplit_once(')').ok_or("bad stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> Result<f64> {
        Ok(fields.get(i).ok_or("short stat")?.parse::<f64>()? / 100.0)
    };
    // utime is field 14 and stime field 15 (1-based): indexes 11 and 12 after the state.
    Ok((tick(11)?, tick(12)?))
}

/// The process's peak resident set in KiB (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmHWM")?.parse()?)
}

/// Initialize (window: one year) and wait until every lead is synced or failed.
pub async fn initialize(serve: &Serve, sims: &Sims, way: Way, leads: usize) -> Result<Measured> {
    let (sf0, sf_kinds0) = calls(sims, true).await?;
    let (jing0, jing_kinds0) = calls(sims, false).await?;
    let cpu0 = cpu_seconds(serve.pid())?;
    let profiler = profile(serve.pid())?;
    let started = Instant::now();
    let window = time::OffsetDateTime::now_utc() - time::Duration::days(365);
    let window = window.format(&time::format_description::well_known::Rfc3339)?;
    serve
        .admin
        .post(
            &format!("/apps/{APP}/init"),
            json!({ "window_start": window }),
        )
        .await?;
    let (ok, failed) = wait_until_synced(serve, sims, way, leads).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu1 = cpu_seconds(serve.pid())?;
    if let Some(mut perf) = profiler {
        // perf writes its file when interrupted.
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    let (sf1, sf_kinds1) = calls(sims, true).await?;
    let (jing1, jing_kinds1) = calls(sims, false).await?;
    Ok(Measured {
        leads,
        seconds,
        sf_calls: sf1 - sf0,
        sf_by_kind: difference(&sf_kinds1, &sf_kinds0),
        jing_calls: jing1 - jing0,
        jing_by_kind: difference(&jing_kinds1, &jing_kinds0),
        cpu_user: cpu1.0 - cpu0.0,
        cpu_sys: cpu1.1 - cpu0.1,
        peak_rss_kib: peak_rss_kib(serve.pid())?,
        ok,
        failed,
        target_count: target_count(sims, way).await?,
        samples_checked: 0,
        sim_cpu: BTreeMap::new(),
    })
}

/// With `INIT_SCALE_PERF=<file>`, `perf record` samples the connector during the run.
fn profile(pid: u32) -> Result<Option<Child>> {
    let Ok(out) = std::env::var("INIT_SCALE_PERF") else {
        return Ok(None);
    };
    let child = Command::new("perf")
        .args([
            "record",
            "-F",
            "499",
            "-g",
            "-o",
            &out,
            "-p",
            &pid.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(Some(child))
}

fn difference(
    after: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, n)| (k.clone(), n - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Poll the initialization state and, once it is done, the connector's lead counts.
async fn wait_until_synced(
    serve: &Serve,
    sims: &Sims,
    way: Way,
    leads: usize,
) -> Result<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if Instant::now() > deadline {
            return Err("initialization did not finish within an hour".into());
        }
        let init = serve.admin.get(&format!("/apps/{APP}/init")).await?;
        if init["init"]["state"] != "done" {
            continue;
        }
        if target_count(sims, way).await? < leads as u64 {
            continue;
        }
        let status = serve.admin.get(&format!("/apps/{APP}/status")).await?;
        let lead = &status["counts"]["lead"];
        let (ok, failed) = (
            lead["ok"].as_u64().unwrap_or(0),
            lead["failed"].as_u64().unwrap_or(0),
        );
        if ok + failed >= leads as u64 {
            return Ok((ok, failed));
        }
    }
}

/// Compare `n` sampled target leads with what the origin's generator created.
pub async fn check_samples(sims: &Sims, way: Way, leads: usize, n: usize) -> Result<usize> {
    let http = reqwest::Client::new();
    let step = (leads / n.max(1)).max(1);
    let mut checked = 0;
    for i in (0..leads).step_by(step).take(n) {
        match way {
            Way::SfToJing => {
                let origin = sf_sim::seed::record("Lead", i).ok_or("no Lead generator")?;
                let probe = json!({"object": "lead", "field": "email", "value": origin["Email"]});
                let v: Value = http
                    .post(format!("{}/_sim/find", sims.jing_url))
                    .json(&probe)
                    .send()
                    .await?
                    .json()
                    .await?;
                let found = v["data"]["records"].as_array().cloned().unwrap_or_default();
                let [rec] = found.as_slice() else {
                    return Err(format!("lead {i}: {} JING records", found.len()).into());
                };
                let f = &rec["fields"];
                same(i, &f["name"], &origin["LastName"])?;
                same(i, &f["company_id"], &origin["Company"])?;
                same(i, &f["title"], &origin["Title"])?;
            }
            Way::JingToSf => {
                let origin = jing_sim::seed::record("lead", i).ok_or("no lead generator")?;
                let email = origin["email"].as_str().unwrap_or_default();
                let url = format!("{}/_sim/find", sims.sf_url);
                let v: Value = http
                    .get(url)
                    .query(&[("object", "Lead"), ("field", "Email"), ("value", email)])
                    .send()
                    .await?
                    .json()
                    .await?;
                let found = v["records"].as_array().cloned().unwrap_or_default();
                let [rec] = found.as_slice() else {
                    return Err(format!("lead {i}: {} Salesforce records", found.len()).into());
                };
                same(i, &rec["LastName"], &origin["name"])?;
                same(i, &rec["Company"], &origin["company_id"])?;
                same(i, &rec["Title"], &origin["title"])?;
                same(i, &rec["Website"], &origin["official_website"])?;
            }
        }
        checked += 1;
    }
    Ok(checked)
}

fn same(i: usize, got: &Value, want: &Value) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("lead {i}: target holds {got}, origin {want}").into())
    }
}
