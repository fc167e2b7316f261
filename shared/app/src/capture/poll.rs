//! The safety-net poller (sf-poller): per object, records with `(SystemModstamp, Id)` after the
//! cursor, deleted ones included (`queryAll`), re-reading a small overlap window; deletes
//! Salesforce may have forgotten (see `poll_deletes`); lead conversions. Every object's first
//! page travels in one `composite` request (one API call for a quiet run, the users listing
//! included when member matching is due). The cursor advances only after the changes are
//! queued, and never past the run's start time.

use super::convert::sf_record_change;
use super::poll_deletes::{keyed_delete, poll_deletes};
use crate::ports::KeyedChange;
use crate::ports::{
    BindingStore, ChangeQueue, Clock, CursorStore, IdempotencyStore, PollAnswer, PollCursor,
    PollRead, SalesforcePort, SfRecord,
};
use crate::settings::AppSettings;
use domain::{Direction, ErrorCode, Lane, ObjectKind, ObjectSpec, SyncError};
use time::{Duration, OffsetDateTime};

/// Commits become visible after their timestamp: re-read this much behind the cursor.
pub const OVERLAP: Duration = Duration::minutes(2);
/// Records per query page.
const PAGE: usize = 2000;

#[derive(Clone, Copy)]
pub struct PollDeps<'a> {
    pub sf: &'a dyn SalesforcePort,
    pub queue: &'a dyn ChangeQueue,
    pub cursors: &'a dyn CursorStore,
    pub seen: &'a dyn IdempotencyStore,
    pub bindings: &'a dyn BindingStore,
    pub clock: &'a dyn Clock,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub objects: Vec<ObjectKind>,
    pub enqueued: u64,
    pub deletes: u64,
    pub already_seen: u64,
    /// Deletes queued because a bound record no longer exists after Salesforce said it had
    /// forgotten deletes (getDeleted's `earliestDateAvailable` after the cursor).
    pub reconciled: u64,
}

pub(super) fn store(e: crate::ports::StoreError) -> SyncError {
    SyncError::new(ErrorCode::RemoteUnavailable).detail(format!("local store: {e}"))
}

/// Poll every object whose Salesforce → JING direction is on.
pub async fn poll(deps: &PollDeps<'_>, settings: &AppSettings) -> Result<PollReport, SyncError> {
    poll_with(deps, settings, false).await
}

/// An object being polled: where its cursor stands and where this run reads from.
struct Polled {
    object: ObjectKind,
    cursor: PollCursor,
    from: PollCursor,
}

/// [`poll`], listing the users too when `with_users` (member matching is due): every object's
/// first page of changes (deletes included) and the users travel in one `composite` request —
/// one API call for a quiet run. Later pages are read on their own.
pub async fn poll_with(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    with_users: bool,
) -> Result<PollReport, SyncError> {
    let run_start = deps.clock.now();
    let mut report = PollReport::default();
    let mut polled = Vec::new();
    for object in objects(deps, settings).await? {
        report.objects.push(object);
        let key = cursor_key(object);
        match load(deps, settings, &key).await? {
            Some(cursor) => {
                let from = PollCursor {
                    modstamp: cursor.modstamp - OVERLAP,
                    id: None,
                };
                polled.push(Polled {
                    object,
                    cursor,
                    from,
                });
            }
            // First run: start from now; history is the initialization's job.
            None => {
                let start = PollCursor {
                    modstamp: run_start - OVERLAP,
                    id: None,
                };
                save(deps, settings, &key, &start).await?;
                poll_deletes(deps, settings, object, run_start, &mut report).await?;
            }
        }
    }
    let mut reads: Vec<PollRead> = polled
        .iter()
        .map(|p| PollRead::Changed {
            object: ObjectSpec::of(p.object).sf_object.to_owned(),
            fields: fields_of(settings, p.object),
            cursor: p.from.clone(),
            until: run_start,
            limit: PAGE,
        })
        .collect();
    if with_users {
        reads.push(PollRead::Users);
    }
    let answers = match reads.is_empty() {
        true => Vec::new(),
        false => deps.sf.poll_reads(&reads).await.map_err(|e| e.0)?,
    };
    let mut answers = answers.into_iter();
    for p in polled {
        let first = match answers.next() {
            Some(PollAnswer::Records(r)) => r.map_err(|e| e.0)?,
            _ => {
                return Err(SyncError::new(ErrorCode::RemoteUnavailable)
                    .detail("poll answers out of order"));
            }
        };
        poll_changes(deps, settings, &p, first, run_start, &mut report).await?;
        poll_deletes(deps, settings, p.object, run_start, &mut report).await?;
    }
    Ok(report)
}

/// The objects to poll. Opportunities only matter once a converted lead bound one: no
/// bindings, no reads.
async fn objects(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
) -> Result<Vec<ObjectKind>, SyncError> {
    let mut out = Vec::new();
    for object in [
        ObjectKind::Account,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
    ] {
        if !settings.direction_open(object, Direction::SfToJing) {
            continue;
        }
        if object == ObjectKind::Opportunity
            && deps
                .bindings
                .count(&settings.app, object)
                .await
                .map_err(store)?
                == 0
        {
            continue;
        }
        out.push(object);
    }
    Ok(out)
}

fn cursor_key(object: ObjectKind) -> String {
    format!("poll:{}", ObjectSpec::of(object).sf_object)
}

pub(super) fn fields_of(settings: &AppSettings, object: ObjectKind) -> Vec<String> {
    let mut fields: Vec<String> = settings.objects[&object]
        .mapping
        .iter()
        .map(|m| m.sf_field.clone())
        .collect();
    if object == ObjectKind::Lead {
        for f in [
            "IsConverted",
            "ConvertedAccountId",
            "ConvertedContactId",
            "ConvertedOpportunityId",
        ] {
            fields.push(f.to_owned());
        }
    }
    fields
}

/// Queue the changes of `first` and of the pages after it; move the cursor.
async fn poll_changes(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    p: &Polled,
    first: Vec<SfRecord>,
    run_start: OffsetDateTime,
    report: &mut PollReport,
) -> Result<(), SyncError> {
    let (object, mut cursor, mut query_from) = (p.object, p.cursor.clone(), p.from.clone());
    let mut page = first;
    loop {
        let full = page.len() == PAGE;
        queue_page(deps, settings, object, &page, run_start, report).await?;
        if let Some(last) = page.last() {
            query_from = PollCursor {
                modstamp: last.modstamp,
                id: Some(last.id.clone()),
            };
            if (last.modstamp, Some(&last.id)) > (cursor.modstamp, cursor.id.as_ref()) {
                cursor = query_from.clone();
            }
        }
        if !full {
            break;
        }
        let fields = fields_of(settings, object);
        page = deps
            .sf
            .changed_since(
                ObjectSpec::of(object).sf_object,
                &fields,
                &query_from,
                run_start,
                PAGE,
            )
            .await
            .map_err(|e| e.0)?;
    }
    // Quiet periods move the cursor up to the overlap behind the run start, never past it.
    if cursor.modstamp < run_start - OVERLAP {
        cursor = PollCursor {
            modstamp: run_start - OVERLAP,
            id: None,
        };
    }
    save(deps, settings, &cursor_key(object), &cursor).await
}

/// Queue what a page holds that was not queued before: each (record, version) once, each
/// delete once (whichever path saw it first).
async fn queue_page(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    page: &[SfRecord],
    run_start: OffsetDateTime,
    report: &mut PollReport,
) -> Result<(), SyncError> {
    let items = page
        .iter()
        .map(|rec| match rec.deleted {
            true => keyed_delete(settings, object, rec, run_start),
            // The overlap re-reads records: each (record, version) is queued once.
            false => KeyedChange {
                key: format!(
                    "poll|{}|{}|{}",
                    settings.app,
                    rec.id,
                    rec.modstamp.unix_timestamp_nanos()
                ),
                expires_at: run_start + Duration::days(2),
                change: sf_record_change(settings, object, rec, Lane::Live),
            },
        })
        .collect();
    // The cursor moves only after this: a page that could not be queued is read again.
    let queued = super::once::send_once(deps.queue, deps.seen, items, run_start)
        .await
        .map_err(store)?;
    for (rec, queued) in page.iter().zip(queued) {
        match (queued, rec.deleted) {
            (true, true) => report.deletes += 1,
            (true, false) => report.enqueued += 1,
            (false, true) => {}
            (false, false) => report.already_seen += 1,
        }
    }
    Ok(())
}

pub(super) async fn load(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    key: &str,
) -> Result<Option<PollCursor>, SyncError> {
    let raw = deps.cursors.get(&settings.app, key).await.map_err(store)?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
}

pub(super) async fn save(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    key: &str,
    c: &PollCursor,
) -> Result<(), SyncError> {
    let raw = serde_json::to_string(c)
        .map_err(|e| SyncError::new(ErrorCode::InvalidValue).detail(e.to_string()))?;
    deps.cursors
        .put(&settings.app, key, &raw)
        .await
        .map_err(store)
}
