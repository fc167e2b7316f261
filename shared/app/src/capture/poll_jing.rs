//! The JING safety net: on the poll schedule, per object whose JING → Salesforce direction is
//! open, the records JING lists as changed since a per-app cursor (minus an overlap window), so
//! a change whose webhook never arrived (connector down, JING gave the delivery up) still
//! reaches Salesforce. Each (record, `updated_time`) is queued once; the cursor moves only after
//! the changes are queued, and never past the run's start.
//!
//! A webhook that did arrive is listed here too: the writer finds the values already synced and
//! calls nothing. So are our own writes (`last_operator` is our API client): they become
//! `Actor::IntegrationSnapshot`, planned field by field against what we wrote, so a person's
//! earlier edit folded into them still flows and our own values cost no call.

use super::convert::jing_record_change;
use crate::ports::{ChangeQueue, Clock, CursorStore, IdempotencyStore, JingPort, JingRecord};
use crate::settings::AppSettings;
use domain::{AppId, Direction, ErrorCode, Lane, ObjectKind, ObjectSpec, SyncError};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Re-read this much behind the cursor. JING's `updated_time` is JING's clock, compared with
/// ours, and when it commits relative to that stamp is not documented (reference §6): wider
/// than Salesforce's two minutes, to absorb both clock skew and late commits.
pub const JING_OVERLAP: Duration = Duration::minutes(5);
/// How long a queued (record, version) is remembered: far beyond any re-read window.
const SEEN_FOR: Duration = Duration::days(2);
/// The objects listed, accounts first (a lead's account must exist).
const OBJECTS: [ObjectKind; 2] = [ObjectKind::Account, ObjectKind::Lead];

#[derive(Clone, Copy)]
pub struct JingPollDeps<'a> {
    pub jing: &'a dyn JingPort,
    pub queue: &'a dyn ChangeQueue,
    pub cursors: &'a dyn CursorStore,
    pub seen: &'a dyn IdempotencyStore,
    pub clock: &'a dyn Clock,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JingPollReport {
    pub objects: Vec<ObjectKind>,
    /// Changes queued: versions of records this poll had not queued before.
    pub enqueued: u64,
    /// Of those, invalidations (作废), queued as deletes.
    pub deletes: u64,
    /// Of those, records our own API client wrote last (echoes unless they fold in a person's
    /// earlier edit).
    pub own_writes: u64,
    /// Versions queued by an earlier run, read again in the overlap window.
    pub already_seen: u64,
    /// List pages read: one JING call each.
    pub pages: u64,
}

/// Where the listing of one object stands: every change stamped before `updated_at` is queued
/// (up to the overlap window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct JingCursor {
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

/// The cursor's key in the `CursorStore` (next to the Salesforce poller's `poll:<sObject>`).
pub fn jing_cursor_key(object: ObjectKind) -> String {
    format!("poll:jing:{}", ObjectSpec::of(object).jing_object)
}

fn store(e: crate::ports::StoreError) -> SyncError {
    SyncError::new(ErrorCode::RemoteUnavailable).detail(format!("local store: {e}"))
}

/// Start the cursors at `now` minus the overlap where none exists yet (the initialization
/// calls this: changes made while it runs are the safety net's).
pub async fn start_jing_cursors(
    cursors: &dyn CursorStore,
    app: &AppId,
    now: OffsetDateTime,
) -> Result<(), SyncError> {
    for object in OBJECTS {
        let key = jing_cursor_key(object);
        if cursors.get(app, &key).await.map_err(store)?.is_none() {
            save(cursors, app, &key, now - JING_OVERLAP).await?;
        }
    }
    Ok(())
}

/// List every object whose JING → Salesforce direction is open.
pub async fn poll_jing(
    deps: &JingPollDeps<'_>,
    settings: &AppSettings,
) -> Result<JingPollReport, SyncError> {
    let run_start = deps.clock.now();
    let mut report = JingPollReport::default();
    for object in OBJECTS {
        if !settings.direction_open(object, Direction::JingToSf) {
            continue;
        }
        report.objects.push(object);
        poll_object(deps, settings, object, run_start, &mut report).await?;
    }
    Ok(report)
}

async fn poll_object(
    deps: &JingPollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    run_start: OffsetDateTime,
    report: &mut JingPollReport,
) -> Result<(), SyncError> {
    let (app, key) = (&settings.app, jing_cursor_key(object));
    let Some(cursor) = load(deps.cursors, app, &key).await? else {
        // First run: start from now; history is the initialization's job.
        return save(deps.cursors, app, &key, run_start - JING_OVERLAP).await;
    };
    let since = cursor - JING_OVERLAP;
    let mut reached = cursor;
    let mut page_token: Option<String> = None;
    loop {
        let page = deps
            .jing
            .changed_since(
                ObjectSpec::of(object).jing_object,
                since,
                page_token.as_deref(),
            )
            .await
            .map_err(|e| e.0)?;
        report.pages += 1;
        queue_page(deps, settings, object, &page.records, run_start, report).await?;
        // Pages come in (updated_time, entity_id) order (ASSUMED, docs/jing-contract.md §3):
        // everything before this page's last record is queued. Not past the run's start:
        // a record stamped later (JING's clock ahead, or edited meanwhile) is read again.
        if let Some(last) = page.records.last() {
            reached = reached.max(last.updated_at.min(run_start));
        }
        match page.next {
            // A long listing keeps its progress, should the run be cut off.
            Some(next) => {
                save(deps.cursors, app, &key, reached).await?;
                page_token = Some(next);
            }
            None => break,
        }
    }
    // A complete listing covers everything up to the run's start; quiet periods move the cursor
    // up to the overlap behind it.
    save(
        deps.cursors,
        app,
        &key,
        reached.max(run_start - JING_OVERLAP),
    )
    .await
}

/// Queue the versions not queued before; give the claims back if queueing fails, so the next
/// run (from the same cursor) queues them.
async fn queue_page(
    deps: &JingPollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    records: &[JingRecord],
    run_start: OffsetDateTime,
    report: &mut JingPollReport,
) -> Result<(), SyncError> {
    let (mut claimed, mut changes) = (Vec::new(), Vec::new());
    let (mut deletes, mut own_writes) = (0, 0);
    for rec in records {
        // Under the app's prefix, as docs/storage.md asks of every idempotency key.
        let key = format!(
            "{}#jing-poll|{}|{}",
            settings.app,
            rec.id,
            rec.updated_at.unix_timestamp_nanos() / 1_000_000
        );
        let expires = run_start + SEEN_FOR;
        if !deps
            .seen
            .claim(&key, expires, run_start)
            .await
            .map_err(store)?
        {
            report.already_seen += 1;
            continue;
        }
        claimed.push(key);
        deletes += u64::from(rec.deleted);
        own_writes += u64::from(rec.by_integration);
        changes.push(jing_record_change(settings, object, rec, Lane::Live));
    }
    if changes.is_empty() {
        return Ok(());
    }
    if let Err(e) = deps.queue.send(&changes).await {
        for key in &claimed {
            let _ = deps.seen.release(key).await;
        }
        return Err(store(e));
    }
    report.enqueued += changes.len() as u64;
    report.deletes += deletes;
    report.own_writes += own_writes;
    Ok(())
}

async fn load(
    cursors: &dyn CursorStore,
    app: &AppId,
    key: &str,
) -> Result<Option<OffsetDateTime>, SyncError> {
    let raw = cursors.get(app, key).await.map_err(store)?;
    Ok(raw
        .and_then(|r| serde_json::from_str::<JingCursor>(&r).ok())
        .map(|c| c.updated_at))
}

async fn save(
    cursors: &dyn CursorStore,
    app: &AppId,
    key: &str,
    updated_at: OffsetDateTime,
) -> Result<(), SyncError> {
    let raw = serde_json::to_string(&JingCursor { updated_at })
        .map_err(|e| SyncError::new(ErrorCode::InvalidValue).detail(e.to_string()))?;
    cursors.put(app, key, &raw).await.map_err(store)
}
