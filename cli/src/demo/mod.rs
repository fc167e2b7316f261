//! `jingsf demo`: the whole connector against simulated Salesforce and JING on this machine —
//! real OAuth, initialization with progress bars, live edits both ways (push paths), a lead
//! conversion, a conflict, bad values, a quota exhaustion resumed "the next day" — and a
//! summary whose figures are measured in this run.

mod data;
mod live;
pub mod seed;
pub mod summary;

use crate::clock::ShiftableClock;
use crate::http;
use crate::wiring::{Connector, Remotes};
use crate::worker::{self, DrainReport, anyhow_lite::Result};
use app::ports::ChangeQueue;
use app::settings::InitState;
use domain::AppId;
use indicatif::{ProgressBar, ProgressStyle};
use jing_sim::JingSim;
use secrecy::SecretString;
use sf_sim::SfSim;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use seed::Sizes;

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
    pub conn: Arc<Connector>,
    pub clock: Arc<ShiftableClock>,
    pub remotes: BTreeMap<AppId, Remotes>,
    pub app: AppId,
    pub base_url: String,
    pub drained: DrainReport,
    /// Salesforce calls counted before the simulated org's daily counters were reset.
    pub sf_calls_carried: Vec<(String, u64)>,
    /// The initialization's own figures: records written, seconds, Salesforce calls.
    pub init_records: u64,
    pub init_seconds: f64,
    pub init_sf_calls: u64,
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
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let token = SecretString::from(crate::serve::random_token());
        let url = admin::page_url(&format!("http://{}", listener.local_addr()?), &token);
        let state = admin_state(&stage, token);
        tokio::spawn(async move { axum::serve(listener, admin::router(state)).await });
        println!("\nStatus page 状态页: {url}\n(Ctrl-C to stop)");
        tokio::signal::ctrl_c().await?;
    }
    Ok(summary)
}

/// The admin API and status page over the demo's store and clients.
pub fn admin_state(stage: &Stage, token: SecretString) -> admin::AdminState {
    let store = stage.conn.store.clone();
    let r = &stage.remotes[&stage.app];
    admin::AdminState {
        settings: store.clone(),
        bindings: store.clone(),
        errors: store.clone(),
        sync_log: store.clone(),
        ledger: store.clone(),
        quota: store.clone(),
        parked: store.clone(),
        queue: stage.conn.queue.clone(),
        cursors: store.clone(),
        vault: store,
        clock: stage.conn.clock.clone(),
        salesforce: Some(Arc::new(r.sf.clone())),
        jing: Some(Arc::new(r.jing.clone())),
        auth: Some(Arc::new(stage.conn.sf_auth())),
        admin_token: token,
    }
}

/// Run the whole demo and hand back the running stage (simulators, store) with the summary.
pub async fn run_stage(opts: DemoOptions) -> Result<(Stage, summary::Summary)> {
    std::fs::create_dir_all(&opts.data_dir)?;
    let db = opts.data_dir.join("jingsf-demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let mut stage = start(&db, &base_url).await?;
    let app_routes = http::routes(stage.conn.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app_routes).await {
            tracing::error!(error = %e, "HTTP listener stopped.");
        }
    });
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

async fn start(db: &std::path::Path, base_url: &str) -> Result<Stage> {
    let spec = crate::simulated::SimSpec {
        app: APP,
        name: "演示应用 Demo",
        base_url,
        db,
        daily_api_limit: 100_000,
    };
    let sim = crate::simulated::start(spec, |s| {
        s.admin_email = Some("admin@acme.example".into());
    })
    .await?;
    Ok(Stage {
        sf: sim.sf,
        jing: sim.jing,
        conn: sim.conn,
        clock: sim.clock,
        remotes: BTreeMap::new(),
        app: sim.app,
        base_url: base_url.to_owned(),
        drained: DrainReport::default(),
        sf_calls_carried: Vec::new(),
        init_records: 0,
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

/// The real OAuth web-server flow: authorize (the simulator auto-approves), follow the redirect
/// to our own callback, which checks `state`, exchanges the code with the PKCE verifier, reads
/// the identity and stores the tokens in the vault.
async fn connect(stage: &mut Stage) -> Result<()> {
    println!("● Authorizing with Salesforce (OAuth 2.0 web-server flow, state + PKCE)…");
    let auth = stage.conn.sf_auth();
    let url = app::connect::start(&stage.conn.connect_deps(&auth), &stage.app, None).await?;
    let answer = crate::simulated::consent(&url).await?;
    let status = answer.status();
    let body = answer.text().await?;
    if !status.is_success() {
        return Err(format!("OAuth callback answered {status}: {body}").into());
    }
    println!("  {body}");
    let settings = stage.conn.settings(&stage.app).await?;
    let remotes = stage.conn.remotes(&settings).await?;
    let gaps = app::connect::check_permissions(&remotes.sf, &settings)
        .await
        .map_err(|e| e.0.to_string())?;
    if gaps.is_empty() {
        println!(
            "  Permission pre-check: API enabled; Lead, Account, Opportunity read/write; User read; all mapped fields accessible."
        );
    }
    for g in &gaps {
        println!("  ✗ {}", g.cause(domain::Lang::En));
    }
    stage.remotes.insert(stage.app.clone(), remotes);
    Ok(())
}

/// Members first, then initialization (1 year back), draining the writer as chunks arrive.
async fn initialize(stage: &mut Stage) -> Result<()> {
    let settings = stage.conn.settings(&stage.app).await?;
    let r = &stage.remotes[&stage.app];
    let deps = app::members::MemberDeps {
        bindings: stage.conn.store.as_ref(),
        sf: &r.sf,
        jing: &r.jing,
        clock: stage.conn.clock.as_ref(),
    };
    let members = app::members::sync_members(&deps, &settings).await?;
    println!(
        "● Members: {} Salesforce users, {} JING employees → {} bound automatically (mobile or e-mail), {} left for manual binding.",
        members.users,
        members.employees,
        members.bound.len(),
        members.unbound.len()
    );
    println!("● Initialization (window: 1 year; members → accounts → leads):");
    let (t0, calls0) = (Instant::now(), stage.sf.calls().total);
    let window = stage.conn.clock.now() - time::Duration::days(365);
    let init_deps = stage.conn.init_deps(r);
    let state = app::init::start(&init_deps, &stage.app, window, false).await?;
    let InitState::Running { total, .. } = state else {
        return Err("initialization did not start".into());
    };
    let read = bar(total, "read");
    let write = bar(total, "written");
    loop {
        let (state, wait) = worker::init_step(&stage.conn, r, &stage.app).await?;
        tokio::time::sleep(wait).await;
        let (done, total) = match state {
            InitState::Running { done, total } => (done, total),
            InitState::Done { records } => (records, records),
            _ => (0, total),
        };
        read.set_length(total.max(done));
        read.set_position(done);
        write.set_length(total.max(done));
        // Let the queue fill up to a full writer batch: fewer, fuller Salesforce calls.
        let finished = matches!(state, InitState::Done { .. });
        if finished || stage.conn.queue.depth().await? >= worker::BATCH as u64 {
            drain(
                stage.conn.as_ref(),
                &stage.remotes,
                &mut stage.drained,
                Some(&write),
            )
            .await?;
        }
        if finished {
            break;
        }
    }
    read.finish();
    write.finish();
    stage.init_seconds = t0.elapsed().as_secs_f64();
    stage.init_sf_calls = stage.sf.calls().total - calls0;
    let w = &stage.drained.counts;
    stage.init_records = w.created + w.updated + w.bound_existing;
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

/// Run the writer until the queue is empty (retries included, bounded in time).
pub async fn drain(
    conn: &Connector,
    remotes: &BTreeMap<AppId, Remotes>,
    report: &mut DrainReport,
    bar: Option<&ProgressBar>,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let taken = worker::step(conn, remotes, report).await?;
        if let Some(b) = bar {
            b.set_position(report.messages.min(b.length().unwrap_or(u64::MAX)));
        }
        if taken == 0 {
            if conn.queue.depth().await? == 0 || Instant::now() > deadline {
                return Ok(());
            }
            // Only delayed retries are left: wait for their visibility to return.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
