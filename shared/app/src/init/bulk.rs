//! The Bulk API 2.0 path of initialization, for objects estimated above the threshold.
//!
//! One step makes at most one or two calls: start the job; or ask its state once (the caller's
//! loop sets the pace, so a running job never burns calls in a busy loop); or read one results
//! page. The job id and the next page's locator are saved with the progress after every step, so
//! a restart continues from the same page. A job that failed, or whose results Salesforce purged,
//! is replaced by a new one (records sent again are harmless: the writer is idempotent); after
//! [`MAX_RESTARTS`] the object falls back to REST pages.

use super::{InitDeps, InitError, Progress};
use crate::capture::sf_record_change;
use crate::ports::{BulkJobState, BulkPage, BulkRecords, RemoteError};
use crate::settings::AppSettings;
use domain::{Lane, ObjectKind, ObjectSpec};
use serde::{Deserialize, Serialize};

/// Records per results page (`maxRecords`) at least: one page is queued per step.
pub const BULK_PAGE: usize = 10_000;
/// Records per results page at most (a page's body is held while its rows are queued).
pub const MAX_BULK_PAGE: usize = 50_000;
/// Changes queued per send while a page is turned into changes.
const SEND_CHUNK: usize = 5_000;

/// Pages of about a twentieth of the estimated total, between [`BULK_PAGE`] and
/// [`MAX_BULK_PAGE`]: a million records cost about twenty page calls, not a hundred.
pub(super) fn page_size(total: u64) -> usize {
    usize::try_from(total / 20)
        .unwrap_or(usize::MAX)
        .clamp(BULK_PAGE, MAX_BULK_PAGE)
}
/// Failed or expired jobs of one object before it is read over REST pages instead.
pub const MAX_RESTARTS: u32 = 3;

/// A running Bulk job of the current stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BulkCursor {
    job_id: String,
    /// Seen `JobComplete`: read pages, no more status calls.
    complete: bool,
    /// Where the next page starts (`None`: the first page).
    locator: Option<String>,
    /// Records of this job already queued (taken back from `done` if the job is replaced).
    sent: u64,
}

impl BulkCursor {
    /// Started and not yet seen complete.
    pub(super) fn running(&self) -> bool {
        !self.complete
    }
}

/// What one object's backfill reads.
pub(super) struct Read<'a> {
    pub settings: &'a AppSettings,
    pub kind: ObjectKind,
    pub fields: &'a [String],
    pub clause: &'a str,
}

impl Read<'_> {
    fn object(&self) -> &'static str {
        ObjectSpec::of(self.kind).sf_object
    }
}

fn remote(e: RemoteError) -> InitError {
    InitError::Remote(e.0)
}

/// One step of the Bulk path: `(records queued, stage finished)`.
pub(super) async fn chunk(
    deps: &InitDeps<'_>,
    read: &Read<'_>,
    p: &mut Progress,
) -> Result<(u64, bool), InitError> {
    let Some(mut job) = p.bulk.take() else {
        p.bulk = Some(start(deps, read).await?);
        return Ok((0, false));
    };
    if !job.complete {
        match deps.sf.bulk_status(&job.job_id).await.map_err(remote)? {
            BulkJobState::InProgress => {
                p.bulk = Some(job);
                return Ok((0, false));
            }
            BulkJobState::Complete { records } => {
                tracing::info!(app_id = %read.settings.app, object = read.object(), job_id = %job.job_id, records, "Bulk query job complete; reading its results.");
                job.complete = true;
            }
            BulkJobState::Failed(reason) => return restart(deps, read, p, job, &reason).await,
        }
    }
    let page = deps
        .sf
        .bulk_page(
            read.object(),
            &job.job_id,
            job.locator.as_deref(),
            page_size(p.total),
        )
        .await
        .map_err(remote)?;
    let (mut records, next_locator) = match page {
        BulkPage::Records {
            records,
            next_locator,
        } => (records, next_locator),
        BulkPage::Expired(reason) => return restart(deps, read, p, job, &reason).await,
    };
    let n = queue_page(deps, read, &mut records).await?;
    let finished = next_locator.is_none();
    job.sent += n;
    job.locator = next_locator;
    if !finished {
        p.bulk = Some(job);
    }
    Ok((n, finished))
}

/// Read and queue a page a chunk at a time: its records are never all held at once. A page that
/// fails half-way is read again from its locator (what was queued is sent again, harmlessly:
/// the writer is idempotent). How many were queued.
async fn queue_page(
    deps: &InitDeps<'_>,
    read: &Read<'_>,
    records: &mut BulkRecords,
) -> Result<u64, InitError> {
    let mut n = 0u64;
    loop {
        let chunk = records.next_chunk(SEND_CHUNK).await.map_err(remote)?;
        if chunk.is_empty() {
            return Ok(n);
        }
        let changes: Vec<_> = chunk
            .iter()
            .map(|r| sf_record_change(read.settings, read.kind, r, Lane::Backfill))
            .collect();
        deps.queue.send(&changes).await?;
        n += chunk.len() as u64;
    }
}

async fn start(deps: &InitDeps<'_>, read: &Read<'_>) -> Result<BulkCursor, InitError> {
    let job = deps
        .sf
        .bulk_start(read.object(), read.fields, Some(read.clause))
        .await
        .map_err(remote)?;
    tracing::info!(app_id = %read.settings.app, object = read.object(), job_id = %job.job_id, "Started a Bulk API 2.0 query job for initialization.");
    Ok(BulkCursor {
        job_id: job.job_id,
        complete: false,
        locator: None,
        sent: 0,
    })
}

/// The job failed or its results are gone: start over with a new job (or over REST pages once
/// jobs keep failing). What the old job queued no longer counts as done: it is read again.
async fn restart(
    deps: &InitDeps<'_>,
    read: &Read<'_>,
    p: &mut Progress,
    old: BulkCursor,
    reason: &str,
) -> Result<(u64, bool), InitError> {
    p.done = p.done.saturating_sub(old.sent);
    p.bulk_restarts += 1;
    if p.bulk_restarts > MAX_RESTARTS {
        tracing::warn!(app_id = %read.settings.app, object = read.object(), job_id = %old.job_id, reason, restarts = p.bulk_restarts, "Bulk query jobs keep failing; reading this object over REST query pages instead, from the start.");
        p.bulk_objects.retain(|k| *k != read.kind);
        p.sf_after = None;
        return Ok((0, false));
    }
    let job = start(deps, read).await?;
    tracing::warn!(app_id = %read.settings.app, object = read.object(), old_job_id = %old.job_id, new_job_id = %job.job_id, reason, "Bulk query job failed or its results expired; started a new job (records already queued are sent again, harmlessly).");
    p.bulk = Some(job);
    Ok((0, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_grow_with_the_estimate_within_bounds() {
        assert_eq!(page_size(21_000), BULK_PAGE);
        assert_eq!(page_size(400_000), 20_000);
        assert_eq!(page_size(1_000_000), MAX_BULK_PAGE);
        assert_eq!(page_size(u64::MAX), MAX_BULK_PAGE);
    }
}
