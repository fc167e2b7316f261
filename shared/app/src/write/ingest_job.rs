//! Initialization creates through Bulk API 2.0 ingest jobs — the jobs (see `ingest` for the
//! staging). Initialization calls [`submit_full`] while it reads and [`step`] once an object's
//! reads are over:
//!
//! - a job is created (one call) and given the oldest waiting rows before anything is
//!   uploaded, so a crash leaves an `Open` job whose rows go back to waiting, never rows sent
//!   twice; the upload is written row by row from the store, in the order of the records' ids
//!   (two calls: upload, close);
//! - a finished job's results (one call per non-empty list, read a chunk at a time and held
//!   compactly by row key: `ingest_outcomes`) are matched to its rows page by page, in the
//!   same order: created rows are bound and recorded like any create, refused rows recorded
//!   as errors, rows a duplicate rule refused written again through the live path, rows never
//!   processed (or refused for a transient reason) staged again;
//! - once nothing more can arrive, what waits goes to one last job — or, below the app's
//!   threshold, back to the queue for sObject Collections.

use super::batch::{Group, Item};
use super::commit::commit;
use super::execute::{Done, Executed, Execution};
use super::ingest_outcomes::JobOutcomes;
use super::prepare::{Op, Planned};
use super::{ApplyReport, Deps, Outcome};
use crate::ports::{
    ChangeQueue, IngestOp, IngestRow, IngestState, StagedRow, StagingStore, WriteResult,
};
use crate::settings::AppSettings;
use domain::{
    Change, Direction, ErrorCode, FieldRule, Lane, NextStep, ObjectKind, ObjectSpec, SfId,
    SyncError,
};

/// Rows per ingest job: 1,000,000 records in five jobs, about thirty calls.
pub const JOB_ROWS: usize = 200_000;
/// Upload bytes per job (Salesforce takes 150 MB after base64, about 112 MB of CSV).
const MAX_UPLOAD_BYTES: usize = 100_000_000;
/// Staged rows read per store call.
const PAGE: usize = 2_000;

/// Where an object's ingest stands after a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestProgress {
    /// Jobs still running on Salesforce.
    pub running: u64,
    /// Rows wait for a job.
    pub waiting: bool,
    /// Rows bound (created) by the jobs that finished in this step.
    pub created: u64,
    /// Nothing waits or runs, and nothing more can arrive.
    pub finished: bool,
}

fn store_failure(e: crate::ports::StoreError) -> SyncError {
    super::prepare::store_error(e)
}

fn object_name(kind: ObjectKind) -> &'static str {
    ObjectSpec::of(kind).sf_object
}

/// The upload's columns: every Salesforce field the mapping may write.
pub fn columns(settings: &AppSettings, kind: ObjectKind) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in settings
        .objects
        .get(&kind)
        .into_iter()
        .flat_map(|o| &o.mapping)
    {
        if m.rule != FieldRule::DoNotSync && !out.contains(&m.sf_field) {
            out.push(m.sf_field.clone());
        }
    }
    out
}

/// While initialization reads: start a job as soon as a full job's worth of rows waits.
pub async fn submit_full(
    deps: &Deps<'_>,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
) -> Result<bool, SyncError> {
    let Some(store) = deps.staging else {
        return Ok(false);
    };
    let full = store
        .waiting_at_least(&settings.app, kind, JOB_ROWS as u64)
        .await
        .map_err(store_failure)?;
    if !full {
        return Ok(false);
    }
    submit(deps, store, queue, settings, kind, JOB_ROWS).await?;
    Ok(true)
}

/// Once reads are over: follow the running jobs, commit the finished ones, and when `closing`
/// (nothing more can be staged) send what waits to a last job or back to the queue.
pub async fn step(
    deps: &Deps<'_>,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    closing: bool,
) -> Result<IngestProgress, SyncError> {
    let mut p = IngestProgress::default();
    let Some(store) = deps.staging else {
        p.finished = true;
        return Ok(p);
    };
    let app = &settings.app;
    for job in store.jobs(app, kind).await.map_err(store_failure)? {
        match deps.sf.ingest_state(&job).await.map_err(|e| e.0)? {
            IngestState::Open => reopen(deps, store, settings, kind, &job).await?,
            IngestState::InProgress => p.running += 1,
            IngestState::Gone(reason) => {
                forget(store, queue, settings, kind, &job, &reason).await?;
            }
            state => p.created += finish(deps, store, queue, settings, kind, &job, &state).await?,
        }
    }
    // Asked, not counted: a count walks every waiting row, and this runs at every step of the
    // ingest stage while the writer still stages the backlog.
    let waits = |n: u64| store.waiting_at_least(app, kind, n);
    let threshold = settings.init_ingest_threshold.max(1);
    let full = waits(JOB_ROWS as u64).await.map_err(store_failure)?;
    if full || (closing && waits(threshold).await.map_err(store_failure)?) {
        submit(deps, store, queue, settings, kind, JOB_ROWS).await?;
        p.running += 1;
    } else if closing && p.running == 0 && waits(1).await.map_err(store_failure)? {
        requeue_waiting(store, queue, settings, kind).await?;
    }
    p.waiting = waits(1).await.map_err(store_failure)?;
    p.finished = closing && p.running == 0 && !p.waiting;
    Ok(p)
}

/// A job created but never closed (a crash before its upload): abort it; its rows wait again.
async fn reopen(
    deps: &Deps<'_>,
    store: &dyn StagingStore,
    settings: &AppSettings,
    kind: ObjectKind,
    job: &str,
) -> Result<(), SyncError> {
    if let Err(e) = deps.sf.ingest_abort(job).await {
        tracing::warn!(app_id = %settings.app, job_id = job, error = %e.0, "Could not abort an ingest job left open; its rows are staged again anyway.");
    }
    store
        .reassign(&settings.app, kind, job, None, 0)
        .await
        .map_err(store_failure)
}

/// A job Salesforce purged before its results were read (an initialization paused for more
/// than a week): without this its rows would stay in the job for ever and the initialization
/// would never end. They go the live way, whose duplicate check binds what the job did create
/// instead of creating it twice.
async fn forget(
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    job: &str,
    reason: &str,
) -> Result<(), SyncError> {
    tracing::warn!(app_id = %settings.app, job_id = job, reason, "An ingest job's results are gone; its rows are written through the live path.");
    loop {
        let rows = store
            .rows(&settings.app, kind, Some(job), 0, PAGE)
            .await
            .map_err(store_failure)?;
        if rows.is_empty() {
            return Ok(());
        }
        requeue(store, queue, settings, kind, rows, Lane::Live).await?;
    }
}

/// Create a job, give it up to `max` waiting rows, upload them and close it; how many it took.
async fn submit(
    deps: &Deps<'_>,
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    max: usize,
) -> Result<u64, SyncError> {
    let (app, object) = (&settings.app, object_name(kind));
    let job = deps
        .sf
        .ingest_open(object, &IngestOp::Insert)
        .await
        .map_err(|e| e.0)?
        .job_id;
    store
        .assign(app, kind, &job, max)
        .await
        .map_err(store_failure)?;
    let columns = columns(settings, kind);
    let mut upload = deps
        .sf
        .ingest_upload(object, &IngestOp::Insert, &columns)
        .map_err(|e| e.0)?;
    // In record order (see `StagingStore::job_order`): the job creates the records, and so
    // numbers them, in this order, and the commit writes them in it.
    let order = store
        .job_order(app, kind, &job)
        .await
        .map_err(store_failure)?;
    let mut strays = Vec::new();
    'pages: for (page, seqs) in order.chunks(PAGE).enumerate() {
        let rows = store
            .uploads_at(app, kind, seqs)
            .await
            .map_err(store_failure)?;
        for r in rows {
            if upload.bytes() >= MAX_UPLOAD_BYTES {
                // No room left: the rest waits for the next job.
                let here = seqs.iter().position(|&s| s == r.seq).unwrap_or(0);
                store
                    .release(app, kind, &order[page * PAGE + here..])
                    .await
                    .map_err(store_failure)?;
                break 'pages;
            }
            if r.fields.keys().all(|k| columns.contains(k)) {
                let row = IngestRow {
                    id: None,
                    fields: r.fields,
                };
                upload.push(&row).map_err(|e| e.0)?;
            } else {
                strays.push(r.record);
            }
        }
    }
    // A row with a field outside the columns (a mapping edited meanwhile) goes the live way.
    let strays = store
        .lookup(app, kind, &strays)
        .await
        .map_err(store_failure)?;
    let strays = strays.into_iter().flatten().collect();
    requeue(store, queue, settings, kind, strays, Lane::Live).await?;
    let sent = upload.rows() as u64;
    tracing::info!(app_id = %app, object, job_id = %job, rows = sent, bytes = upload.bytes(), "Sending a Bulk API 2.0 ingest job.");
    let data = upload.finish().map_err(|e| e.0)?;
    deps.sf.ingest_send(&job, data).await.map_err(|e| e.0)?;
    Ok(sent)
}

/// Put rows' changes back on the queue in `lane` and forget the rows.
async fn requeue(
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    rows: Vec<StagedRow>,
    lane: Lane,
) -> Result<(), SyncError> {
    if rows.is_empty() {
        return Ok(());
    }
    let seqs: Vec<u64> = rows.iter().map(|r| r.seq).collect();
    let changes: Vec<Change> = rows
        .into_iter()
        .map(|r| Change {
            lane,
            ..r.create.change
        })
        .collect();
    queue.send(&changes).await.map_err(store_failure)?;
    store
        .remove(&settings.app, kind, &seqs)
        .await
        .map_err(store_failure)
}

/// Below the threshold at the end: the waiting rows are written through the live path.
async fn requeue_waiting(
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
) -> Result<(), SyncError> {
    loop {
        let rows = store
            .rows(&settings.app, kind, None, 0, PAGE)
            .await
            .map_err(store_failure)?;
        if rows.is_empty() {
            return Ok(());
        }
        requeue(store, queue, settings, kind, rows, Lane::Live).await?;
    }
}

/// Read a finished job's results and commit its rows page by page; how many were created.
async fn finish(
    deps: &Deps<'_>,
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    job: &str,
    state: &IngestState,
) -> Result<u64, SyncError> {
    let (app, object) = (&settings.app, object_name(kind));
    let columns = columns(settings, kind);
    let results = deps
        .sf
        .ingest_keyed_results(object, job, &columns, state)
        .await
        .map_err(|e| e.0)?;
    let mut outcomes = JobOutcomes::read(results).await.map_err(|e| e.0)?;
    let order = store
        .job_order(app, kind, job)
        .await
        .map_err(store_failure)?;
    let mut committed = Committed::default();
    for seqs in order.chunks(PAGE) {
        let rows = store
            .rows_at(app, kind, seqs)
            .await
            .map_err(store_failure)?;
        let mut page = Vec::with_capacity(rows.len());
        for mut r in rows {
            // The row as it was uploaded, to find its result (its values lent, not copied).
            let uploaded = IngestRow {
                id: None,
                fields: std::mem::take(&mut r.create.fields),
            };
            let key = deps.sf.ingest_key(&columns, &uploaded).map_err(|e| e.0)?;
            r.create.fields = uploaded.fields;
            page.push((r, outcomes.take(key)));
        }
        let page = commit_page(deps, store, queue, settings, kind, page).await?;
        committed.add(page);
    }
    // The rows go once the whole job is committed: in one pass over the job in staging order,
    // where removing each page's rows (in record order) rewrote a random page of the staged
    // table per row. A pass that dies before commits its rows again next time (their stored
    // bindings say they are done: `committed_before`).
    if committed.retried {
        store.remove(app, kind, &committed.done).await
    } else {
        store.remove_job(app, kind, job).await.map(|_| ())
    }
    .map_err(store_failure)?;
    let created = committed.created;
    tracing::info!(app_id = %app, object, job_id = job, created, state = ?state, "Bulk API 2.0 ingest job committed.");
    Ok(created)
}

/// What committing a job's pages did.
#[derive(Default)]
struct Committed {
    created: u64,
    /// Rows done with (bound, or recorded as refused): removed once the job is committed.
    done: Vec<u64>,
    /// Some row's commit failed: it stays in the job for the next step, the others go.
    retried: bool,
}

impl Committed {
    fn add(&mut self, page: Committed) {
        self.created += page.created;
        self.done.extend(page.done);
        self.retried |= page.retried;
    }
}

/// Bind and record one page of a job's rows; rows whose commit failed stay for the next step.
/// Rows refused by a duplicate rule or never processed are re-queued (and removed) here; the
/// others are removed with the job.
async fn commit_page(
    deps: &Deps<'_>,
    store: &dyn StagingStore,
    queue: &dyn ChangeQueue,
    settings: &AppSettings,
    kind: ObjectKind,
    page: Vec<(StagedRow, Option<WriteResult>)>,
) -> Result<Committed, SyncError> {
    let mut group = Group::new(kind, Direction::JingToSf, Vec::with_capacity(page.len()));
    let (mut done, mut seqs, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    let (mut live, mut again) = (Vec::new(), Vec::new());
    for (row, result) in page {
        let outcome = match result {
            Some(WriteResult::Ok(id)) => {
                ids.push(Some(id.clone()));
                Ok(Done::Created(id))
            }
            Some(WriteResult::Failed(e)) if e.code == ErrorCode::DuplicateRuleMatched => {
                live.push(row);
                continue;
            }
            Some(WriteResult::Duplicate(_)) => {
                live.push(row);
                continue;
            }
            Some(WriteResult::Failed(e)) if e.next_step() == NextStep::Record => {
                Err(Outcome::Failed(e))
            }
            // Unprocessed, refused for a passing reason, or no result at all: staged again.
            _ => {
                again.push(row);
                continue;
            }
        };
        if outcome.is_err() {
            ids.push(None);
        }
        seqs.push(row.seq);
        done.push(executed(&mut group, row, outcome));
    }
    let mut report = ApplyReport {
        outcomes: vec![Outcome::Skipped; done.len()],
        ..ApplyReport::default()
    };
    commit(
        deps,
        settings,
        &group,
        Execution {
            done,
            park_reason: None,
        },
        &mut report,
    )
    .await;
    committed_before(deps, settings, &group, &ids, &mut report).await;
    super::decide::conclude(deps, settings, &group, &mut report);
    super::decide::flush(deps, settings, &report).await;
    // A row whose binding could not be saved stays: the next step commits it again.
    let retry = |o: &Outcome| matches!(o, Outcome::Retry(_));
    let done: Vec<u64> = seqs
        .into_iter()
        .zip(&report.outcomes)
        .filter(|(_, o)| !retry(o))
        .map(|(seq, _)| seq)
        .collect();
    requeue(store, queue, settings, kind, live, Lane::Live).await?;
    requeue(store, queue, settings, kind, again, Lane::Backfill).await?;
    Ok(Committed {
        created: report.counts.created,
        done,
        retried: report.outcomes.iter().any(retry),
    })
}

/// Rows an earlier pass committed but did not remove (the process died in between): their
/// binding — this JING record bound to the id the job gave it — is already stored, so writing
/// it again conflicted. They are done; retried instead, they would stay in the job for ever
/// and hold every later change of their record (which waits while its row is in a job).
async fn committed_before(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    ids: &[Option<String>],
    report: &mut ApplyReport,
) {
    for (item, id) in group.items.iter().zip(ids) {
        let Some(&first) = item.indexes.first() else {
            continue;
        };
        let (Outcome::Retry(_), Some(id)) = (&report.outcomes[first], id) else {
            continue;
        };
        let Ok(sf_id) = SfId::parse(id) else {
            continue;
        };
        let bound = deps
            .bindings
            .by_sf(&settings.app, group.object, &sf_id)
            .await;
        if let Ok(Some(b)) = bound
            && b.jing_id.as_str() == item.change.record.as_str()
        {
            report.counts.retried = report.counts.retried.saturating_sub(1);
            report.counts.created += 1;
            report.set(&item.indexes, Outcome::Applied);
        }
    }
}

/// A staged row as the writer's commit takes it: an item of `group` and its create's result.
fn executed(group: &mut Group, row: StagedRow, result: Result<Done, Outcome>) -> Executed {
    let c = row.create;
    let item = group.items.len();
    group.items.push(Item {
        indexes: vec![item],
        change: c.change,
        tied: false,
    });
    Executed {
        planned: Planned {
            item,
            op: Op::Create { fields: c.fields },
            synced: c.synced,
            conflicts: Vec::new(),
            restore: Default::default(),
            views: c.views,
            name: c.name,
        },
        result,
    }
}
