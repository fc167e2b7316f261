//! The safety-net poller (sf-poller): per object, records with `(SystemModstamp, Id)` after the
//! cursor, re-reading a small overlap window; deletes (see `poll_deletes`); lead conversions. The cursor advances only after the changes are queued, and never past the
//! run's start time.

use super::convert::sf_record_change;
use super::poll_deletes::poll_deletes;
use crate::ports::{
    BindingStore, ChangeQueue, Clock, CursorStore, IdempotencyStore, PollCursor, SalesforcePort,
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
    let run_start = deps.clock.now();
    let mut report = PollReport::default();
    for object in [
        ObjectKind::Account,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
    ] {
        if !settings.direction_open(object, Direction::SfToJing) {
            continue;
        }
        // Opportunities only matter once a converted lead bound one: no bindings, no calls.
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
        report.objects.push(object);
        poll_changes(deps, settings, object, run_start, &mut report).await?;
        poll_deletes(deps, settings, object, run_start, &mut report).await?;
    }
    Ok(report)
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

async fn poll_changes(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    run_start: OffsetDateTime,
    report: &mut PollReport,
) -> Result<(), SyncError> {
    let key = format!("poll:{}", ObjectSpec::of(object).sf_object);
    let Some(mut cursor) = load(deps, settings, &key).await? else {
        // First run: start from now; history is the initialization's job.
        return save(
            deps,
            settings,
            &key,
            &PollCursor {
                modstamp: run_start - OVERLAP,
                id: None,
            },
        )
        .await;
    };
    let fields = fields_of(settings, object);
    let mut query_from = PollCursor {
        modstamp: cursor.modstamp - OVERLAP,
        id: None,
    };
    loop {
        let page = deps
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
        let full = page.len() == PAGE;
        let mut changes = Vec::with_capacity(page.len());
        let mut claimed = Vec::with_capacity(page.len());
        for rec in &page {
            // The overlap re-reads records: each (record, version) is queued once.
            let seen_key = format!(
                "poll|{}|{}|{}",
                settings.app,
                rec.id,
                rec.modstamp.unix_timestamp_nanos()
            );
            let fresh = deps
                .seen
                .claim(&seen_key, run_start + Duration::days(2), run_start)
                .await
                .map_err(store)?;
            if fresh {
                changes.push(sf_record_change(settings, object, rec, Lane::Live));
                claimed.push(seen_key);
            } else {
                report.already_seen += 1;
            }
        }
        if !changes.is_empty()
            && let Err(e) = deps.queue.send(&changes).await
        {
            // Not queued: give the claims back, or the next run would skip these versions as
            // already seen (the cursor has not moved, so it reads them again).
            for key in &claimed {
                if let Err(e) = deps.seen.release(key).await {
                    tracing::warn!(app_id = %settings.app, error = %e, "Could not give a poll claim back.");
                }
            }
            return Err(store(e));
        }
        report.enqueued += changes.len() as u64;
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
    }
    // Quiet periods move the cursor up to the overlap behind the run start, never past it.
    if cursor.modstamp < run_start - OVERLAP {
        cursor = PollCursor {
            modstamp: run_start - OVERLAP,
            id: None,
        };
    }
    save(deps, settings, &key, &cursor).await
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
