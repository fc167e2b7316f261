//! `jingsf serve --config jingsf.toml`: the connector for real on one machine — the edge's
//! router on one listener (OAuth callback, outbound messages, JING webhooks, `/healthz`, the
//! admin API and the status page) and a work loop that ticks the edge's jobs: the writer, the
//! initialization runs, the scheduled poll, the daily reset and the error digest. SIGINT or
//! SIGTERM stops taking work, lets the current batch finish, and exits: queued changes stay in
//! the SQLite queue.

use crate::config::Config;
use crate::wiring::{Local, LocalSetup};
use crate::worker::{self, DrainReport, anyhow_lite::Result};
use app::ports::SystemClock;
use domain::AppId;
use edge::EdgeOptions;
use edge::jobs::{RunBudget, init_run};
use rand::RngCore;
use salesforce::SfAppConfig;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// A random URL-safe token (the admin token when none is configured).
pub fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The embedded connector of a configuration.
pub fn local(cfg: &Config, token: SecretString) -> Result<Local> {
    std::fs::create_dir_all(&cfg.data_dir)?;
    let secret = cfg
        .sf_client_secret()
        .ok_or("salesforce.client_secret is missing")?;
    // Error digests by SMTP when configured, else as .eml files in data_dir/outbox.
    let mailer: Arc<dyn app::ports::Mailer> = match &cfg.smtp {
        Some(smtp) => Arc::new(crate::smtp::SmtpMailer::new(smtp)?),
        None => Arc::new(local::LocalMailer::new(
            cfg.data_dir.join("outbox"),
            "jingsf@localhost",
        )?),
    };
    crate::wiring::local(LocalSetup {
        db: &cfg.data_dir.join("jingsf.db"),
        clock: Arc::new(SystemClock),
        mailer,
        sf_app: SfAppConfig::new(
            &cfg.salesforce.client_id,
            SecretString::from(secret),
            &cfg.callback_url(),
        ),
        jing_contract: match &cfg.jing.base_url {
            Some(url) => jing::JingContract::with_base_url(url.clone()),
            None => jing::JingContract::default(),
        },
        options: EdgeOptions {
            public_url: cfg.public_url.clone(),
            allow_custom_login_host: cfg.custom_login_hosts(),
            org_probe_every: Duration::from_secs(cfg.org_probe_seconds),
            dry_run_budget: edge::DRY_RUN_BUDGET_SERVE,
        },
        admin_token: token,
        http_timeout: Duration::from_secs(60),
        sf_retry: salesforce::RetryPolicy::default(),
    })
}

/// `jingsf serve`: run until SIGINT or SIGTERM.
pub async fn run(cfg: Config) -> Result<()> {
    let token = admin_token(std::env::var("JINGSF_ADMIN_TOKEN").ok())?;
    // Listened for before any work starts: from then on a stop request lets the batch finish.
    let stop_requested = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    println!("Status page: {}", edge::page_url(&cfg.public_url, &token));
    let running = start(&cfg, listener, token).await?;
    stop_requested.await;
    println!("Stopping: finishing the current batch; queued changes stay queued.");
    running.stop().await
}

/// The configured admin token (refused when short: it guards every app's secrets), or a random
/// one printed with the page URL.
pub fn admin_token(configured: Option<String>) -> Result<SecretString> {
    match configured {
        Some(t) => match edge::admin_token_problem(&t) {
            Some(problem) => Err(format!("JINGSF_ADMIN_TOKEN: {problem}").into()),
            None => Ok(SecretString::from(t.trim().to_owned())),
        },
        None => Ok(SecretString::from(random_token())),
    }
}

/// Ctrl-C (SIGINT), or SIGTERM (what service managers and `kill` send). The handlers are
/// installed when this is called, not when the future is first polled.
fn shutdown_signal() -> Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// The embedded connector running: its listener and its work loop.
pub struct Running {
    pub local: Local,
    stop: watch::Sender<bool>,
    work: tokio::task::JoinHandle<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Let the current batch finish, then stop both (queued changes stay queued).
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.work.await?;
        self.server.await??;
        Ok(())
    }
}

/// How often the loop runs its scheduled jobs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub poll_every: Duration,
    pub digest_every: Duration,
}

/// Start the listener and the work loop.
pub async fn start(
    cfg: &Config,
    listener: tokio::net::TcpListener,
    token: SecretString,
) -> Result<Running> {
    let local = local(cfg, token)?;
    // What a killed predecessor had in hand is retried at once (and the kill not counted).
    let reclaimed = local.queue.reclaim().await?;
    if reclaimed > 0 {
        tracing::warn!(
            reclaimed,
            "Changes a previous run had taken are queued again."
        );
    }
    // Nobody else writes on this machine: the records it was writing are free at once (its
    // unsettled creates are still looked for before being made again).
    let freed = local
        .store
        .end_leases(time::OffsetDateTime::now_utc())
        .await?;
    if freed > 0 {
        tracing::warn!(freed, "Records a previous run was writing are free again.");
    }
    let schedule = Schedule {
        poll_every: cfg.poll_every(),
        digest_every: Duration::from_secs(3600),
    };
    Ok(start_local(local, listener, schedule))
}

/// Serve `local`'s edge on `listener` and run its work loop.
pub fn start_local(local: Local, listener: tokio::net::TcpListener, schedule: Schedule) -> Running {
    let routes = edge::router(local.edge.clone());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut http_stop = stop_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, routes)
            .with_graceful_shutdown(async move {
                let _ = http_stop.changed().await;
            })
            .await
    });
    let work = tokio::spawn(work_loop(local.clone(), schedule, stop_rx));
    Running {
        local,
        stop: stop_tx,
        work,
        server,
    }
}

/// When each scheduled job runs next.
struct Timers {
    next_poll: Instant,
    /// Parked changes are released as soon as the org has calls again.
    next_release: Instant,
    next_digest: Instant,
    reset_day: Option<time::Date>,
    next_init: BTreeMap<AppId, Instant>,
    /// Consecutive failed turns (the pause after a failure grows with them).
    failures: u32,
}

/// The writer plus the schedule, until asked to stop (between batches, never inside one). A
/// failing turn (a store error, say) is logged and retried after a growing pause: the loop
/// never ends on its own, and `/healthz` tells when it stops turning.
async fn work_loop(local: Local, schedule: Schedule, mut stop: watch::Receiver<bool>) {
    let health = local.edge.health.clone();
    let mut report = DrainReport::default();
    let now = Instant::now();
    let mut timers = Timers {
        next_poll: now,
        next_release: now,
        next_digest: now + schedule.digest_every,
        reset_day: None,
        next_init: BTreeMap::new(),
        failures: 0,
    };
    while !*stop.borrow() {
        health.beat();
        let pause = match turn(&local, schedule, &mut timers, &mut report).await {
            Ok(0) => Duration::from_millis(500),
            Ok(_) => Duration::ZERO,
            Err(e) => {
                timers.failures += 1;
                let pause = Duration::from_secs(1 << timers.failures.min(5));
                tracing::error!(error = %e, retry_in_s = pause.as_secs(), "Work loop turn failed.");
                pause
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = local.init_runs.requested() => {}
                _ = local.edge.queued.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }
    health.stopped();
}

/// One turn: due scheduled jobs, one initialization step per running app, one writer batch.
async fn turn(
    local: &Local,
    schedule: Schedule,
    timers: &mut Timers,
    report: &mut DrainReport,
) -> Result<usize> {
    let edge = &local.edge;
    if Instant::now() >= timers.next_poll {
        let summary = edge::jobs::poll_all(edge).await;
        tracing::info!(
            polled = summary.apps_polled,
            enqueued = summary.enqueued,
            jing_enqueued = summary.jing_enqueued,
            released = summary.released,
            "Scheduled poll done."
        );
        timers.next_poll = Instant::now() + schedule.poll_every;
    }
    if Instant::now() >= timers.next_release {
        let released = edge::jobs::release_all(edge).await;
        if released > 0 {
            tracing::info!(released, "Parked changes released.");
        }
        let every = edge.options.org_probe_every.min(Duration::from_secs(60));
        timers.next_release = Instant::now() + every;
    }
    for s in edge.settings.list().await? {
        if s.locked() && s.enabled {
            advance_init(local, &s.app, &mut timers.next_init).await;
        }
    }
    let day = domain::quota::quota_day(edge.clock.now(), domain::datetime::JING_OFFSET);
    if timers.reset_day.is_some_and(|d| d != day)
        && let Err(e) = edge::jobs::daily_reset(edge).await
    {
        tracing::error!(error = %e, "Daily quota reset failed; parked changes stay parked.");
    }
    timers.reset_day = Some(day);
    if Instant::now() >= timers.next_digest {
        if let Err(e) = edge::jobs::digest(edge).await {
            tracing::warn!(error = %e, "Error digest failed; the next run sends it.");
        }
        timers.next_digest = Instant::now() + schedule.digest_every;
    }
    let taken = worker::step(edge, report).await?;
    timers.failures = 0;
    Ok(taken)
}

/// One initialization step per loop turn (the writer drains between chunks); a run that asks
/// to wait (a Bulk job being prepared) is stepped again after that; a failure after a minute.
async fn advance_init(local: &Local, app: &AppId, next: &mut BTreeMap<AppId, Instant>) {
    let now = Instant::now();
    if next.get(app).is_some_and(|at| now < *at) {
        return;
    }
    let wait = match init_run(&local.edge, app, RunBudget::one_step()).await {
        Ok(run) => {
            tracing::info!(app_id = %app, init = ?run.state, "Initialization step.");
            run.next.unwrap_or(Duration::ZERO)
        }
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Initialization step failed; retrying in a minute.");
            Duration::from_secs(60)
        }
    };
    next.insert(app.clone(), now + wait);
}
