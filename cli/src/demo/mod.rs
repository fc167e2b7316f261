//! `jingsf demo`: the whole connector against simulated Salesforce and JING on this machine —
//! real OAuth, initialization with progress bars, live edits both ways (push paths), a lead
//! conversion, a conflict, bad values, a quota exhaustion resumed "the next day" — and a
//! summary whose figures are measured in this run.

mod data;
mod live;
pub mod seed;
pub mod summary;

use crate::client::AdminClient;
use crate::clock::ShiftableClock;
use crate::wiring::Local;
use crate::worker::{self, DrainReport, anyhow_lite::Result};
use app::settings::InitState;
use domain::AppId;
use edge::Edge;
use indicatif::{ProgressBar, ProgressStyle};
use jing_sim::JingSim;
use sf_sim::SfSim;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use seed::{Records, Sizes};

pub struct DemoOptions {
    pub data_dir: PathBuf,
    pub exit: bool,
    pub port: u16,
    pub sizes: Sizes,
    /// Machine-readable summary on stdout instead of the human one.
    pub json: bool,
}

pub const APP: &str = "demo";

/// Everything the demo runs on.
pub struct Stage {
    pub sf: SfSim,
    pub jing: JingSim,
    pub local: Local,
    pub admin: AdminClient,
    pub clock: Arc<ShiftableClock>,
    pub app: AppId,
    pub base_url: String,
    pub drained: DrainReport,
    /// Salesforce calls counted before the simulated org's daily counters were reset.
    pub sf_calls_carried: Vec<(String, u64)>,
    /// The initialization's own figures: records written, seconds, Salesforce calls.
    pub init_records: u64,
    /// Of them, created through Bulk API 2.0 ingest jobs (the writer's counts miss those).
    pub init_ingest_created: u64,
    pub init_seconds: f64,
    pub init_sf_calls: u64,
}

impl Stage {
    pub fn edge(&self) -> &Edge {
        &self.local.edge
    }
    pub fn store(&self) -> &local::LocalStore {
        &self.local.store
    }
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template("{msg:>18} [{bar:40.cyan/blue}] {pos:>6}/{len:6} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(msg.to_owned());
    b
}

pub async fn run(opts: DemoOptions) -> Result<summary::Summary> {
    let exit = opts.exit;
    let (stage, summary) = run_stage(opts).await?;
    if !exit {
        let url = edge::page_url(&stage.base_url, &stage.edge().admin_token);
        println!("\nStatus page 状态页: {url}\n(Ctrl-C to stop)");
        tokio::signal::ctrl_c().await?;
    }
    Ok(summary)
}

/// Run the whole demo and hand back the running stage (simulators, store) with the summary.
pub async fn run_stage(opts: DemoOptions) -> Result<(Stage, summary::Summary)> {
    std::fs::create_dir_all(&opts.data_dir)?;
    let db = opts.data_dir.join("jingsf-demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let mut stage = start(&db, listener).await?;
    let started = Instant::now();
    let planted = seed_sims(&stage, opts.sizes)?;
    connect(&mut stage).await?;
    initialize(&mut stage).await?;
    let live = live::play(&mut stage).await?;
    let summary = summary::collect(&stage, planted, live, started.elapsed()).await?;
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        summary::print(&summary);
    }
    Ok((stage, summary))
}

async fn start(db: &std::path::Path, listener: tokio::net::TcpListener) -> Result<Stage> {
    let spec = crate::simulated::SimSpec {
        app: APP,
        name: "演示应用 Demo",
        listener,
        db,
        daily_api_limit: 100_000,
    };
    let sim = crate::simulated::start(spec, |_| {}).await?;
    sim.admin
        .patch(
            &format!("/apps/{APP}"),
            serde_json::json!({ "admin_email": "admin@acme.example" }),
        )
        .await?;
    Ok(Stage {
        sf: sim.sf,
        jing: sim.jing,
        local: sim.local,
        admin: sim.admin,
        clock: sim.clock,
        app: sim.app,
        base_url: sim.base_url,
        drained: DrainReport::default(),
        sf_calls_carried: Vec::new(),
        init_records: 0,
        init_ingest_created: 0,
        init_seconds: 0.0,
        init_sf_calls: 0,
    })
}

fn seed_sims(stage: &Stage, sizes: Sizes) -> Result<seed::Planted> {
    println!("● Creating demo data in the simulated Salesforce org and JING tenant…");
    let total =
        sizes.users + sizes.sf_accounts + sizes.sf_leads + sizes.jing_accounts + sizes.jing_leads;
    let b = bar(total as u64, "demo data");
    let planted = seed::seed(&stage.sf, &stage.jing, sizes, &b)?;
    b.finish();
    Ok(planted)
}

/// The real OAuth web-server flow through the admin API: authorize (the simulator approves),
/// follow the redirect to our own callback, which checks `state`, exchanges the code with the
/// PKCE verifier, stores the tokens in the vault, then runs the permission pre-check and
/// matches members. The setup checklist shows what came of it.
async fn connect(stage: &mut Stage) -> Result<()> {
    println!("● Authorizing with Salesforce (OAuth 2.0 web-server flow, state + PKCE)…");
    let answer = stage
        .admin
        .post(
            &format!("/apps/{}/connect", stage.app),
            serde_json::json!({}),
        )
        .await?;
    let url = answer["authorize_url"].as_str().ok_or("no authorize_url")?;
    let back = crate::simulated::consent(url).await?;
    if !back.status().is_redirection() {
        let status = back.status();
        return Err(format!("OAuth callback answered {status}: {}", back.text().await?).into());
    }
    let setup = stage
        .admin
        .get(&format!("/apps/{}/setup", stage.app))
        .await?;
    for item in setup["checklist"].as_array().into_iter().flatten() {
        let mark = if item["done"] == true { "✓" } else { "·" };
        println!(
            "  {mark} {} / {}",
            item["label_zh"].as_str().unwrap_or_default(),
            item["label_en"].as_str().unwrap_or_default()
        );
        if item["item"] == "connected"
            && let Some(user) = item["detail"]["account"]["username"].as_str()
        {
            println!("      Connected as {user} (org {})", item["detail"]["org"]);
        }
        if item["item"] == "members" {
            let last = &item["detail"]["last_sync"];
            println!(
                "      Members: {} Salesforce users → {} bound automatically (mobile or e-mail), {} left for manual binding.",
                last["users"], last["newly_bound"], last["unbound"]
            );
        }
        for gap in item["detail"]["missing"].as_array().into_iter().flatten() {
            println!("      ✗ {}", gap["cause_en"].as_str().unwrap_or_default());
        }
    }
    Ok(())
}

/// Initialization (1 year back) started through the admin API, stepped here chunk by chunk
/// (as serve's loop does), draining the writer as chunks arrive.
async fn initialize(stage: &mut Stage) -> Result<()> {
    println!("● Initialization (window: 1 year; members → accounts → leads):");
    let (t0, calls0) = (Instant::now(), stage.sf.calls().total);
    let window = stage.clock_now() - time::Duration::days(365);
    let window = window.format(&time::format_description::well_known::Rfc3339)?;
    let answer = stage
        .admin
        .post(
            &format!("/apps/{}/init", stage.app),
            serde_json::json!({ "window_start": window }),
        )
        .await?;
    let total = answer["init"]["total"]
        .as_u64()
        .ok_or("initialization did not start")?;
    let read = bar(total, "read");
    let write = bar(total, "written");
    let budget = edge::jobs::RunBudget::one_step();
    let bound_before = bound(stage).await?;
    let mut last_done = None;
    loop {
        let run = edge::jobs::init_run(stage.edge(), &stage.app, budget).await?;
        if let Some(wait) = run.next {
            tokio::time::sleep(wait).await;
        }
        let (done, total) = match run.state {
            InitState::Running { done, total } => (done, total),
            InitState::Done { records } => (records, records),
            _ => (0, total),
        };
        read.set_length(total.max(done));
        read.set_position(done);
        write.set_length(total.max(done));
        // Let the queue fill up to a full writer batch: fewer, fuller Salesforce calls. A step
        // that read nothing waits for the writer (an ingest stage waits for the queue to drain).
        let finished = matches!(run.state, InitState::Done { .. });
        let idle = last_done == Some(done);
        last_done = Some(done);
        if finished || idle || stage.edge().queue.depth().await? >= worker::BATCH as u64 {
            drain(&stage.local.edge, &mut stage.drained, Some(&write)).await?;
        }
        if finished {
            break;
        }
    }
    read.finish();
    write.finish();
    stage.init_seconds = t0.elapsed().as_secs_f64();
    stage.init_sf_calls = stage.sf.calls().total - calls0;
    // Pairs bound by the initialization, whether the writer or an ingest job wrote them.
    let pairs = bound(stage).await? - bound_before;
    let w = &stage.drained.counts;
    stage.init_ingest_created = pairs.saturating_sub(w.created + w.bound_existing);
    stage.init_records = pairs + w.updated;
    println!(
        "  {} records written in {:.1} s ({:.0} records/s), {} Salesforce calls ({:.4} per record)",
        stage.init_records,
        stage.init_seconds,
        stage.init_records as f64 / stage.init_seconds.max(1e-9),
        stage.init_sf_calls,
        stage.init_sf_calls as f64 / stage.init_records.max(1) as f64
    );
    Ok(())
}

/// Bound pairs of the demo app, every object.
async fn bound(stage: &Stage) -> Result<u64> {
    let mut n = 0;
    for kind in domain::ObjectKind::ALL {
        n += app::ports::BindingStore::count(stage.store(), &stage.app, kind).await?;
    }
    Ok(n)
}

impl Stage {
    pub fn clock_now(&self) -> time::OffsetDateTime {
        app::ports::Clock::now(self.clock.as_ref())
    }
}

/// Run the writer until the queue is empty (retries included, bounded in time).
pub async fn drain(edge: &Edge, report: &mut DrainReport, bar: Option<&ProgressBar>) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let taken = worker::step(edge, report).await?;
        if let Some(b) = bar {
            b.set_position(report.messages.min(b.length().unwrap_or(u64::MAX)));
        }
        if taken == 0 {
            if edge.queue.depth().await? == 0 || Instant::now() > deadline {
                return Ok(());
            }
            // Only delayed retries are left: wait for their visibility to return.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
