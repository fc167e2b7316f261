//! `jingsf serve --config jingsf.toml`: the connector for real on one machine — the embedded
//! store and durable queue, the writer loop, a scheduler (safety-net polls, the daily quota
//! reset, error digests to .eml files), and one HTTP listener for the OAuth callback, outbound
//! messages, JING webhooks, the admin API and the status page. Ctrl-C stops taking work, lets
//! the current batch finish, and exits: queued changes stay in the SQLite queue.

use crate::config::Config;
use crate::wiring::{Connector, Remotes};
use crate::worker::{self, DrainReport, anyhow_lite::Result};
use app::ports::{Clock, SettingsStore, SystemClock};
use domain::AppId;
use rand::RngCore;
use salesforce::SfAppConfig;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A random URL-safe token (admin token, webhook URL token).
pub fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The embedded connector of a configuration (store, queue, client settings).
pub fn connector(cfg: &Config) -> Result<Arc<Connector>> {
    std::fs::create_dir_all(&cfg.data_dir)?;
    let store = Arc::new(local::LocalStore::open(cfg.data_dir.join("jingsf.db"))?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let queue = Arc::new(store.queue(clock.clone(), crate::wiring::MAX_RECEIVES));
    let secret = cfg
        .sf_client_secret()
        .ok_or("salesforce.client_secret is missing")?;
    let contract = match &cfg.jing.base_url {
        Some(url) => jing::JingContract::with_base_url(url.clone()),
        None => jing::JingContract::default(),
    };
    Ok(Arc::new(Connector {
        store,
        queue,
        clock,
        sf_app: SfAppConfig::new(
            &cfg.salesforce.client_id,
            SecretString::from(secret),
            &cfg.callback_url(),
        ),
        jing_contract: contract,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?,
    }))
}

/// `jingsf serve`: run until Ctrl-C.
pub async fn run(cfg: Config) -> Result<()> {
    let token = std::env::var("JINGSF_ADMIN_TOKEN").unwrap_or_else(|_| random_token());
    let token = SecretString::from(token);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    println!("Status page: {}", admin::page_url(&cfg.public_url, &token));
    let running = start(&cfg, listener, token).await?;
    tokio::signal::ctrl_c().await?;
    println!("Stopping: finishing the current batch; queued changes stay queued.");
    running.stop().await
}

/// The embedded connector running: its listener and its work loop.
pub struct Running {
    pub conn: Arc<Connector>,
    stop: watch::Sender<bool>,
    work: tokio::task::JoinHandle<Result<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Let the current batch finish, then stop both (queued changes stay queued).
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.work.await??;
        self.server.await??;
        Ok(())
    }
}

/// Start the listener (OAuth callback, outbound messages, webhooks, admin API, status page) on
/// `listener` and the work loop (writer, initialization, poller, reset, digest).
pub async fn start(
    cfg: &Config,
    listener: tokio::net::TcpListener,
    token: SecretString,
) -> Result<Running> {
    let conn = connector(cfg)?;
    let store = conn.store.clone();
    let clock = conn.clock.clone();
    let admin_state = admin::AdminState {
        settings: store.clone(),
        bindings: store.clone(),
        errors: store.clone(),
        sync_log: store.clone(),
        ledger: store.clone(),
        quota: store.clone(),
        parked: store.clone(),
        queue: conn.queue.clone(),
        cursors: store.clone(),
        vault: store.clone(),
        clock: clock.clone(),
        salesforce: None,
        jing: None,
        auth: Some(Arc::new(conn.sf_auth())),
        admin_token: token.clone(),
    };
    let per_app =
        axum::middleware::from_fn_with_state((conn.clone(), admin_state.clone()), with_app_clients);
    let routes = crate::http::routes(conn.clone()).merge(admin::router(admin_state).layer(per_app));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut http_stop = stop_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, routes)
            .with_graceful_shutdown(async move {
                let _ = http_stop.changed().await;
            })
            .await
    });
    // Error digests by SMTP when configured, else as .eml files in data_dir/outbox.
    let mailer: Arc<dyn app::ports::Mailer> = match &cfg.smtp {
        Some(smtp) => Arc::new(crate::smtp::SmtpMailer::new(smtp)?),
        None => Arc::new(local::LocalMailer::new(
            cfg.data_dir.join("outbox"),
            "jingsf@localhost",
        )?),
    };
    let work = tokio::spawn(work_loop(
        conn.clone(),
        mailer,
        Duration::from_secs(cfg.poll_minutes * 60),
        stop_rx,
    ));
    Ok(Running {
        conn,
        stop: stop_tx,
        work,
        server,
    })
}

/// Admin calls about one connected app get that app's Salesforce and JING clients (members,
/// mapping checks, retries need them); everything else goes to the shared router.
async fn with_app_clients(
    axum::extract::State((conn, base)): axum::extract::State<(Arc<Connector>, admin::AdminState)>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;
    let app = req
        .uri()
        .path()
        .strip_prefix("/api/apps/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| AppId::parse(a).ok());
    if let Some(app) = app
        && let Ok(settings) = conn.settings(&app).await
        && settings.authorized.is_some()
        && let Ok(r) = conn.remotes(&settings).await
    {
        let mut state = base;
        state.salesforce = Some(Arc::new(r.sf));
        state.jing = Some(Arc::new(r.jing));
        // Routed afresh: the outer route's path parameters (request extensions) would be
        // doubled by the inner router's own match.
        let (parts, body) = req.into_parts();
        let mut fresh = axum::extract::Request::new(body);
        *fresh.method_mut() = parts.method;
        *fresh.uri_mut() = parts.uri;
        *fresh.version_mut() = parts.version;
        *fresh.headers_mut() = parts.headers;
        return match admin::router(state).oneshot(fresh).await {
            Ok(resp) => resp.into_response(),
            Err(never) => match never {},
        };
    }
    next.run(req).await
}

/// The writer loop plus the schedule, until asked to stop (between batches, never inside one).
async fn work_loop(
    conn: Arc<Connector>,
    mailer: Arc<dyn app::ports::Mailer>,
    poll_every: Duration,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let mut next_digest = tokio::time::Instant::now() + Duration::from_secs(3600);
    let mut remotes: BTreeMap<AppId, (u64, Remotes)> = BTreeMap::new();
    let mut report = DrainReport::default();
    let mut next_poll = tokio::time::Instant::now();
    let mut reset_day = None;
    let mut next_init: BTreeMap<AppId, tokio::time::Instant> = BTreeMap::new();
    while !*stop.borrow() {
        let apps = SettingsStore::list(conn.store.as_ref()).await?;
        for s in apps.iter().filter(|s| s.enabled && s.authorized.is_some()) {
            let fresh = remotes
                .get(&s.app)
                .is_none_or(|(rev, _)| *rev != s.revision);
            if fresh {
                match conn.remotes(s).await {
                    Ok(r) => {
                        remotes.insert(s.app.clone(), (s.revision, r));
                    }
                    Err(e) => tracing::warn!(app_id = %s.app, error = %e, "App not ready."),
                }
            }
        }
        let live: BTreeMap<AppId, Remotes> = remotes
            .iter()
            .map(|(k, (_, r))| (k.clone(), r.clone()))
            .collect();
        if tokio::time::Instant::now() >= next_poll {
            for s in apps.iter().filter(|s| live.contains_key(&s.app)) {
                if let Err(e) = app::capture::poll(&conn.poll_deps(&live[&s.app]), s).await {
                    tracing::warn!(app_id = %s.app, error = %e, "Poll failed; the next run retries.");
                }
            }
            next_poll = tokio::time::Instant::now() + poll_every;
        }
        for s in apps
            .iter()
            .filter(|s| s.locked() && live.contains_key(&s.app))
        {
            advance_init(&conn, &live[&s.app], &s.app, &mut next_init).await;
        }
        let day = domain::quota::quota_day(conn.clock.now(), domain::datetime::JING_OFFSET);
        if reset_day.is_some_and(|d| d != day) {
            reset_all(&conn).await;
        }
        reset_day = Some(day);
        if tokio::time::Instant::now() >= next_digest {
            let deps = app::digest::DigestDeps {
                settings: conn.store.as_ref(),
                errors: conn.store.as_ref(),
                cursors: conn.store.as_ref(),
                mailer: mailer.as_ref(),
            };
            if let Err(e) = app::digest::send_digest(&deps, conn.clock.now()).await {
                tracing::warn!(error = %e, "Error digest failed; the next run sends it.");
            }
            next_digest = tokio::time::Instant::now() + Duration::from_secs(3600);
        }
        let taken = worker::step(&conn, &live, &mut report).await?;
        if taken == 0 {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => {}
            }
        }
    }
    Ok(())
}

/// One initialization chunk per loop turn (the writer drains between chunks); while a Bulk job
/// runs, its state is asked every `BULK_JOB_WAIT`; a failure is retried after a minute.
async fn advance_init(
    conn: &Connector,
    remotes: &Remotes,
    app: &AppId,
    next: &mut BTreeMap<AppId, tokio::time::Instant>,
) {
    let now = tokio::time::Instant::now();
    if next.get(app).is_some_and(|at| now < *at) {
        return;
    }
    let wait = match worker::init_step(conn, remotes, app).await {
        Ok((state, wait)) => {
            tracing::info!(app_id = %app, init = ?state, "Initialization step.");
            wait
        }
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Initialization step failed; retrying in a minute.");
            Duration::from_secs(60)
        }
    };
    next.insert(app.clone(), now + wait);
}

async fn reset_all(conn: &Connector) {
    let deps = app::quota_reset::QuotaDeps {
        quota: conn.store.as_ref(),
        parked: conn.store.as_ref(),
        queue: conn.queue.as_ref(),
        settings: conn.store.as_ref(),
        cursors: conn.store.as_ref(),
    };
    if let Err(e) = app::quota_reset::reset_all(&deps).await {
        tracing::error!(error = %e, "Daily quota reset failed; parked changes stay parked.");
    }
}
