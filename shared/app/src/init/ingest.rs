//! The ingest stages of initialization: creates the writer staged while JING was read are
//! written by Bulk API 2.0 ingest jobs (`crate::write::ingest_job`). While an object is read, a
//! job starts as soon as a full job's worth waits; once its reads are over, the ingest stage
//! waits for the queue to drain (the writer stages what is still queued), then for the jobs,
//! and sends the rest to a last job (or, below the threshold, to sObject Collections).

use super::{InitDeps, InitError, Progress};
use crate::settings::AppSettings;
use crate::write::ingest_job;
use domain::ObjectKind;
use time::OffsetDateTime;

/// How long the ingest stage waits for the queue to drain before it closes anyway (other apps'
/// changes may keep the queue busy; later stragglers go through sObject Collections) — counted
/// from the last step that found more rows staged: while the writer still stages this object's
/// backlog, closing would cut a partial job at every step (a million leads went out in ten
/// jobs instead of five).
const DRAIN_WAIT: time::Duration = time::Duration::minutes(2);

fn remote(e: domain::SyncError) -> InitError {
    InitError::Remote(e)
}

/// After a read step: start a job when a full job's worth of rows waits.
pub(super) async fn while_reading(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
) -> Result<(), InitError> {
    if let Some(w) = deps.writer {
        ingest_job::submit_full(&w, deps.queue, settings, kind)
            .await
            .map_err(remote)?;
    }
    Ok(())
}

/// Before the initialization ends: every object's ingest once more, closing. A straggler — a
/// backfill change the writer staged after its object's ingest stage had closed (its queue was
/// still draining after [`DRAIN_WAIT`], or a job's unprocessed rows came back through the queue)
/// — would otherwise wait in staging for ever, since no later stage sends that object's rows.
/// True when nothing waits or runs any more; `p.ingest_running` paces the next step.
pub(super) async fn sweep(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    kinds: &[ObjectKind],
    p: &mut Progress,
) -> Result<bool, InitError> {
    let Some(w) = deps.writer else {
        return Ok(true);
    };
    let (mut finished, mut running) = (true, false);
    for &kind in kinds {
        let progress = ingest_job::step(&w, deps.queue, settings, kind, true)
            .await
            .map_err(remote)?;
        finished &= progress.finished;
        running |= progress.running > 0;
    }
    p.ingest_running = running;
    Ok(finished)
}

/// One step of the ingest stage: `(0, finished)` (its records were counted when read).
pub(super) async fn chunk(
    deps: &InitDeps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    now: OffsetDateTime,
    p: &mut Progress,
) -> Result<(u64, bool), InitError> {
    let Some(w) = deps.writer else {
        return Ok((0, true));
    };
    if let Some(store) = w.staging {
        let newest = store.newest_waiting(&settings.app, kind).await?;
        if newest > p.ingest_waiting {
            // Still arriving: the wait starts again.
            p.ingest_since = Some(now);
            p.ingest_waiting = newest;
        }
    }
    let since = *p.ingest_since.get_or_insert(now);
    let closing = now - since >= DRAIN_WAIT || deps.queue.depth().await? == 0;
    let progress = ingest_job::step(&w, deps.queue, settings, kind, closing)
        .await
        .map_err(remote)?;
    p.ingest_running = progress.running > 0;
    Ok((0, progress.finished))
}
