//! Initialization (init-backfill): pull history inside a window of at most three years, scoped
//! by the condition groups, from both sides into the queue, in chunks. Progress (done / estimated
//! total) and the resume point are saved after every chunk, so a crash resumes where it stopped;
//! configuration is locked while it runs.
//!
//! A Salesforce object whose estimated count (the `COUNT()` made at start) is above
//! `AppSettings::init_bulk_threshold` (default 50,000) is read over Bulk API 2.0 instead of REST
//! pages (see [`bulk`]): one job, one status call per step while it runs, then 10,000-record
//! result pages. The job id and the locator are saved with the progress.

mod bulk;
mod ingest;

use crate::capture::{jing_record_change, sf_record_change};
use crate::ports::{
    ChangeQueue, Clock, CursorStore, JingPort, SalesforcePort, SettingsStore, StoreError,
};
use crate::settings::{AppSettings, InitState};
use domain::conditions::InitWindow;
use domain::{AppId, Direction, Lane, ObjectKind, ObjectSpec, SfId, SyncError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy)]
pub struct InitDeps<'a> {
    pub sf: &'a dyn SalesforcePort,
    pub jing: &'a dyn JingPort,
    pub queue: &'a dyn ChangeQueue,
    pub cursors: &'a dyn CursorStore,
    pub settings: &'a dyn SettingsStore,
    pub clock: &'a dyn Clock,
    /// The writer's ports, when its creates may be staged for Bulk API 2.0 ingest jobs
    /// (`crate::write::ingest_job`): then each object read from JING ends with an ingest stage.
    pub writer: Option<crate::write::Deps<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    #[error("unknown app {0}")]
    UnknownApp(String),
    #[error("{0}")]
    Window(String),
    #[error("initialization is already running")]
    AlreadyRunning,
    #[error("initialization is not running")]
    NotRunning,
    /// Skipping records that the history was never pulled: after a finished initialization that
    /// would be untrue (and hide the run from the status page).
    #[error(
        "the initialization is already done; skipping it now would misstate what was pulled. \
         To pull history again, start a new initialization with a window instead"
    )]
    AlreadyDone,
    #[error("{0}")]
    Remote(SyncError),
    #[error("store: {0}")]
    Store(String),
}

impl From<StoreError> for InitError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.to_string())
    }
}

/// One pass over one object on one side. Accounts go before leads (a lead's account must exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Stage {
    Sf(ObjectKind),
    Jing(ObjectKind),
    /// The object's creates staged for Bulk API 2.0 ingest jobs are written and bound (a
    /// lead's account is bound before leads are read).
    Ingest(ObjectKind),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    /// Objects read over Bulk API 2.0 (estimated above the threshold at start).
    #[serde(default)]
    bulk_objects: Vec<ObjectKind>,
    /// The current stage's Bulk job, when it reads over Bulk.
    #[serde(default)]
    bulk: Option<bulk::BulkCursor>,
    /// Bulk jobs of the current stage that failed or expired.
    #[serde(default)]
    bulk_restarts: u32,
    #[serde(with = "time::serde::rfc3339")]
    window_start: OffsetDateTime,
    /// When the initialization started (what changed later is the live paths').
    #[serde(default, with = "time::serde::rfc3339::option")]
    started_at: Option<OffsetDateTime>,
    stages: Vec<Stage>,
    stage: usize,
    sf_after: Option<SfId>,
    jing_page: Option<String>,
    done: u64,
    total: u64,
    /// When the current ingest stage began (it waits for the queue to drain, a while at most).
    #[serde(default, with = "time::serde::rfc3339::option")]
    ingest_since: Option<OffsetDateTime>,
    /// Ingest jobs of the current stage still run on Salesforce (the next step can wait).
    #[serde(default)]
    ingest_running: bool,
    /// The newest waiting row's place the current ingest stage has seen (places only grow): a
    /// newer one since means the writer is still staging this object's backlog.
    #[serde(default)]
    ingest_waiting: u64,
    /// Steps in a row that found a Bulk job still running (the wait doubles with each).
    #[serde(default)]
    job_asks: u32,
}

const KEY: &str = "init";
/// How far JING's clock may run ahead of ours when telling history from live changes.
const CLOCK_MARGIN: time::Duration = time::Duration::minutes(1);
/// Records per chunk (one Salesforce query page).
pub const CHUNK: usize = 2000;
pub use bulk::{BULK_PAGE, MAX_BULK_PAGE, MAX_RESTARTS as MAX_BULK_RESTARTS};

async fn load_settings(deps: &InitDeps<'_>, app: &AppId) -> Result<AppSettings, InitError> {
    deps.settings
        .get(app)
        .await?
        .ok_or_else(|| InitError::UnknownApp(app.to_string()))
}

/// Start (or skip) initialization. Estimates the total with one COUNT per Salesforce object
/// (an admin's action, charged like live work: starting never fails for the initialization's
/// share; the steps spend that share).
pub async fn start(
    deps: &InitDeps<'_>,
    app: &AppId,
    window_start: OffsetDateTime,
    skip: bool,
) -> Result<InitState, InitError> {
    let mut settings = load_settings(deps, app).await?;
    if settings.locked() {
        return Err(InitError::AlreadyRunning);
    }
    let now = deps.clock.now();
    if skip {
        if matches!(settings.init, InitState::Done { .. }) {
            return Err(InitError::AlreadyDone);
        }
        settings.init = InitState::Skipped;
        return save_settings(deps, settings).await;
    }
    let window =
        InitWindow::new(window_start, now).map_err(|e| InitError::Window(e.to_string()))?;
    let stages = stages(&settings, staging_on(deps, &settings));
    let (mut total, mut bulk_objects) = (0, Vec::new());
    for stage in &stages {
        if let Stage::Sf(kind) = stage {
            let clause = where_clause(&settings, *kind, &window, now)?;
            let count = deps
                .sf
                .count(ObjectSpec::of(*kind).sf_object, Some(&clause))
                .await
                .map_err(|e| InitError::Remote(e.0))?;
            if count > settings.init_bulk_threshold {
                bulk_objects.push(*kind);
            }
            total += count;
        }
    }
    // Changes made while initialization runs are the pollers' (both sides): start their cursors.
    for kind in [
        ObjectKind::Account,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
    ] {
        let key = format!("poll:{}", ObjectSpec::of(kind).sf_object);
        if deps.cursors.get(app, &key).await?.is_none() {
            let cursor = crate::ports::PollCursor {
                modstamp: now - crate::capture::OVERLAP,
                id: None,
            };
            let raw =
                serde_json::to_string(&cursor).map_err(|e| InitError::Store(e.to_string()))?;
            deps.cursors.put(app, &key, &raw).await?;
        }
    }
    crate::capture::start_jing_cursors(deps.cursors, app, now)
        .await
        .map_err(|e| InitError::Store(e.to_string()))?;
    let progress = Progress {
        bulk_objects,
        bulk: None,
        bulk_restarts: 0,
        window_start: window.start(),
        started_at: Some(now),
        stages,
        stage: 0,
        sf_after: None,
        jing_page: None,
        done: 0,
        total,
        ingest_since: None,
        ingest_running: false,
        ingest_waiting: 0,
        job_asks: 0,
    };
    save_progress(deps, app, &progress).await?;
    settings.init = InitState::Running { done: 0, total };
    save_settings(deps, settings).await
}

fn stages(settings: &AppSettings, ingest: bool) -> Vec<Stage> {
    let mut out = Vec::new();
    for kind in [ObjectKind::Account, ObjectKind::Lead] {
        if settings.direction_open(kind, Direction::SfToJing) {
            out.push(Stage::Sf(kind));
        }
    }
    for kind in [ObjectKind::Account, ObjectKind::Lead] {
        if settings.direction_open(kind, Direction::JingToSf) {
            out.push(Stage::Jing(kind));
            if ingest {
                out.push(Stage::Ingest(kind));
            }
        }
    }
    out
}

/// Whether this deployment stages initialization creates for ingest jobs.
fn staging_on(deps: &InitDeps<'_>, settings: &AppSettings) -> bool {
    settings.init_ingest_threshold > 0 && deps.writer.is_some_and(|w| w.staging.is_some())
}

fn where_clause(
    settings: &AppSettings,
    kind: ObjectKind,
    window: &InitWindow,
    now: OffsetDateTime,
) -> Result<String, InitError> {
    let scope = &settings.objects[&kind].sf_to_jing.scope;
    window
        .soql_where(scope, now)
        .map_err(|e| InitError::Window(e.to_string()))
}

/// Run one chunk; call until it returns `Done`. Safe to call again after a crash.
pub async fn step(deps: &InitDeps<'_>, app: &AppId) -> Result<InitState, InitError> {
    Ok(step_report(deps, app).await?.state)
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    pub state: InitState,
    /// A Bulk job (query or ingest) is still running: the next step only asks its state again,
    /// so the caller should wait a while (each ask is an API call) instead of stepping right away.
    pub waiting_for_bulk_job: bool,
    /// How long to wait then: short for a job just started (small jobs finish in seconds),
    /// doubling with every ask that found it still running.
    pub ask_again_in: Option<std::time::Duration>,
}

/// [`step`], also saying whether the next step should wait. Its Salesforce calls spend the
/// initialization's share of the allocation only (`crate::spending`).
pub async fn step_report(deps: &InitDeps<'_>, app: &AppId) -> Result<StepReport, InitError> {
    crate::spending::as_initialization(run_step(deps, app)).await
}

async fn run_step(deps: &InitDeps<'_>, app: &AppId) -> Result<StepReport, InitError> {
    let mut settings = load_settings(deps, app).await?;
    if !settings.locked() {
        return Err(InitError::NotRunning);
    }
    let Some(mut p) = load_progress(deps, app).await? else {
        return Err(InitError::NotRunning);
    };
    let now = deps.clock.now();
    let window =
        InitWindow::new(p.window_start, now).map_err(|e| InitError::Window(e.to_string()))?;
    if let Some(&stage) = p.stages.get(p.stage) {
        let (n, finished) = match stage {
            Stage::Sf(kind) => sf_chunk(deps, &settings, kind, &window, now, &mut p).await?,
            Stage::Jing(kind) => {
                let read = jing_chunk(deps, &settings, kind, &mut p).await?;
                ingest::while_reading(deps, &settings, kind).await?;
                read
            }
            Stage::Ingest(kind) => ingest::chunk(deps, &settings, kind, now, &mut p).await?,
        };
        p.done += n;
        p.total = p.total.max(p.done);
        if finished {
            p.stage += 1;
            p.sf_after = None;
            p.jing_page = None;
            p.bulk = None;
            p.bulk_restarts = 0;
            p.ingest_since = None;
            p.ingest_waiting = 0;
        }
        let waiting = p.bulk.as_ref().is_some_and(bulk::BulkCursor::running) || p.ingest_running;
        p.job_asks = if waiting { p.job_asks + 1 } else { 0 };
        save_progress(deps, app, &p).await?;
    }
    let ended = p.stage >= p.stages.len() && swept(deps, &settings, &mut p).await?;
    let waiting = p.bulk.as_ref().is_some_and(bulk::BulkCursor::running) || p.ingest_running;
    let asks = p.job_asks;
    settings.init = if ended {
        InitState::Done { records: p.done }
    } else {
        InitState::Running {
            done: p.done,
            total: p.total,
        }
    };
    Ok(StepReport {
        state: save_settings(deps, settings).await?,
        waiting_for_bulk_job: waiting,
        ask_again_in: waiting.then(|| std::time::Duration::from_secs(1 << asks.min(5))),
    })
}

/// Every stage has run: the initialization ends once no staged row is left behind
/// (`ingest::sweep`); until then each step sweeps again.
async fn swept(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    p: &mut Progress,
) -> Result<bool, InitError> {
    let kinds: Vec<ObjectKind> = p
        .stages
        .iter()
        .filter_map(|s| match s {
            Stage::Ingest(kind) => Some(*kind),
            _ => None,
        })
        .collect();
    if kinds.is_empty() {
        return Ok(true);
    }
    let done = ingest::sweep(deps, settings, &kinds, p).await?;
    if !done {
        save_progress(deps, &settings.app, p).await?;
    }
    Ok(done)
}

async fn sf_chunk(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    window: &InitWindow,
    now: OffsetDateTime,
    p: &mut Progress,
) -> Result<(u64, bool), InitError> {
    let clause = where_clause(settings, kind, window, now)?;
    let fields: Vec<String> = settings.objects[&kind]
        .mapping
        .iter()
        .map(|m| m.sf_field.clone())
        .collect();
    if p.bulk_objects.contains(&kind) {
        let read = bulk::Read {
            settings,
            kind,
            fields: &fields,
            clause: &clause,
        };
        return bulk::chunk(deps, &read, p).await;
    }
    let page = deps
        .sf
        .page_by_id(
            ObjectSpec::of(kind).sf_object,
            &fields,
            Some(&clause),
            p.sf_after.as_ref(),
            CHUNK,
        )
        .await
        .map_err(|e| InitError::Remote(e.0))?;
    let changes: Vec<_> = page
        .iter()
        .map(|r| sf_record_change(settings, kind, r, Lane::Backfill))
        .collect();
    if !changes.is_empty() {
        deps.queue.send(&changes).await?;
    }
    p.sf_after = page.last().map(|r| r.id.clone());
    Ok((changes.len() as u64, page.len() < CHUNK))
}

/// One step over JING: pages until a chunk's worth of records is queued. Records changed after
/// the initialization started (plus a margin for the clocks) are the live paths' to carry —
/// among them the records this initialization itself created in JING — and records whose last
/// change was our own are echoes: neither is read back as history.
async fn jing_chunk(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    p: &mut Progress,
) -> Result<(u64, bool), InitError> {
    let object = ObjectSpec::of(kind).jing_object;
    let until = p.started_at.map(|t| t + CLOCK_MARGIN);
    let mut changes = Vec::new();
    let finished = loop {
        let page = deps
            .jing
            .changed_since(object, p.window_start, p.jing_page.as_deref())
            .await
            .map_err(|e| InitError::Remote(e.0))?;
        // The list is ordered by update time: past `until`, nothing more is history.
        let past_start = page
            .records
            .last()
            .is_some_and(|r| until.is_some_and(|u| r.updated_at > u));
        // Invalidated records are history, not something to create in Salesforce.
        changes.extend(
            page.records
                .iter()
                .filter(|r| !r.deleted && !r.by_integration)
                .filter(|r| until.is_none_or(|u| r.updated_at <= u))
                .map(|r| jing_record_change(settings, kind, r, Lane::Backfill)),
        );
        p.jing_page = page.next.clone();
        if page.next.is_none() || past_start {
            break true;
        }
        if changes.len() >= CHUNK {
            break false;
        }
    };
    if !changes.is_empty() {
        deps.queue.send(&changes).await?;
    }
    Ok((changes.len() as u64, finished))
}

async fn load_progress(deps: &InitDeps<'_>, app: &AppId) -> Result<Option<Progress>, InitError> {
    Ok(deps
        .cursors
        .get(app, KEY)
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok()))
}

async fn save_progress(deps: &InitDeps<'_>, app: &AppId, p: &Progress) -> Result<(), InitError> {
    let raw = serde_json::to_string(p).map_err(|e| InitError::Store(e.to_string()))?;
    Ok(deps.cursors.put(app, KEY, &raw).await?)
}

async fn save_settings(
    deps: &InitDeps<'_>,
    mut settings: AppSettings,
) -> Result<InitState, InitError> {
    settings.revision += 1;
    deps.settings.put(&settings).await?;
    Ok(settings.init)
}
