//! Deletes for the safety-net poller. The changes query reads them (`queryAll`: deleted records
//! come with the others, `IsDeleted = true`); a delete cursor older than [`GET_DELETED_AFTER`]
//! also asks getDeleted (one call whatever the window, and it says when Salesforce has forgotten
//! deletes). When it has — the recycle bin was emptied, or the poller was down for more than 15
//! days — every bound record of the object is checked and a delete is queued for each one that
//! is gone.

use super::convert::sf_record_change;
use super::poll::{OVERLAP, PollDeps, load, save, store};
use crate::ports::KeyedChange;
use crate::ports::{PollCursor, SfRecord};
use crate::settings::AppSettings;
use domain::datetime::floor_minute;
use domain::{Lane, NextStep, ObjectKind, ObjectSpec, SfId, SyncError};
use std::collections::{BTreeMap, HashSet};
use time::{Duration, OffsetDateTime};

/// A delete cursor older than this reads deletes through getDeleted: queryAll's cost grows with
/// the window, and over a day the recycle bin may well have been emptied.
pub const GET_DELETED_AFTER: Duration = Duration::days(1);
/// getDeleted answers for the last 15 days; ask a margin inside that (the clocks differ).
const GET_DELETED_REACH: Duration = Duration::minutes(15 * 24 * 60 - 10);
/// Bindings checked per existence round (the port splits them into URL-sized queries).
pub const RECONCILE_PAGE: usize = 2000;
/// How long a queued delete is remembered (longer than the recycle bin keeps it).
const DELETE_SEEN_FOR: Duration = Duration::days(16);

/// After the object's changes (deletes included) were queued: ask getDeleted when the delete
/// cursor is old, then move the cursor.
pub(super) async fn poll_deletes(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    run_start: OffsetDateTime,
    report: &mut super::PollReport,
) -> Result<(), SyncError> {
    let key = format!("poll-deleted:{}", ObjectSpec::of(object).sf_object);
    let next = match load(deps, settings, &key).await? {
        Some(c) if run_start - c.modstamp > GET_DELETED_AFTER => {
            by_get_deleted(deps, settings, object, c.modstamp, run_start, report).await?
        }
        _ => run_start,
    };
    let cursor = PollCursor {
        modstamp: next,
        id: None,
    };
    save(deps, settings, &key, &cursor).await
}

pub(super) fn delete_key(settings: &AppSettings, rec: &SfRecord) -> String {
    format!("del|{}|{}", settings.app, rec.id)
}

/// `rec`'s delete, to queue unless an earlier run or getDeleted queued it.
pub(super) fn keyed_delete(
    settings: &AppSettings,
    object: ObjectKind,
    rec: &SfRecord,
    run_start: OffsetDateTime,
) -> KeyedChange {
    KeyedChange {
        key: delete_key(settings, rec),
        expires_at: run_start + DELETE_SEEN_FOR,
        change: sf_record_change(settings, object, rec, Lane::Live),
    }
}

/// getDeleted over [cursor, run start); returns where the next window starts
/// (`latestDateCovered`, a whole minute: deletes committing meanwhile are read next time).
async fn by_get_deleted(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    cursor: OffsetDateTime,
    run_start: OffsetDateTime,
    report: &mut super::PollReport,
) -> Result<OffsetDateTime, SyncError> {
    // The overlap covers deletes committed late behind a queryAll cursor. Asking further back
    // than 15 days is refused (INVALID_REPLICATION_DATE); the answer's `earliestDateAvailable`
    // then tells us the older part is lost.
    let start = (cursor - OVERLAP).max(run_start - GET_DELETED_REACH);
    let answer = match deps
        .sf
        .deleted_ids(ObjectSpec::of(object).sf_object, start, run_start)
        .await
    {
        Ok(answer) => answer,
        // Refused for good (INVALID_REPLICATION_DATE when our clock runs far behind the
        // org's): asking again would fail every run. Check the bound records instead.
        Err(e) if e.next_step() == NextStep::Record => {
            tracing::warn!(app_id = %settings.app, object = %object, error = %e.0, "getDeleted refused the window; reconciling bound records instead.");
            reconcile(deps, settings, object, run_start, report).await?;
            return Ok(run_start);
        }
        Err(e) => return Err(e.0),
    };
    let deleted: Vec<SfRecord> = answer
        .ids_with_dates
        .iter()
        .map(|(id, at)| deleted_record(id, *at))
        .collect();
    report.deletes += enqueue(deps, settings, object, &deleted, run_start).await?;
    // `earliestDateAvailable` is a whole minute: deletes purged in the cursor's own minute may
    // be lost too, so that minute counts as missed (a check too many costs calls, not data).
    if answer
        .earliest_available
        .is_some_and(|e| e >= floor_minute(cursor))
    {
        reconcile(deps, settings, object, run_start, report).await?;
    }
    Ok(answer.latest_covered)
}

/// Check every bound record of `object`; queue a delete for each one Salesforce no longer has.
async fn reconcile(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    run_start: OffsetDateTime,
    report: &mut super::PollReport,
) -> Result<(), SyncError> {
    reconcile_in_pages(deps, settings, object, run_start, report, RECONCILE_PAGE).await
}

/// [`reconcile`], `page` bindings at a time. Progress is saved after every page, so a run
/// stopped midway (budget spent, Salesforce unavailable) resumes after the last page checked
/// instead of spending those calls again.
async fn reconcile_in_pages(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    run_start: OffsetDateTime,
    report: &mut super::PollReport,
    page_size: usize,
) -> Result<(), SyncError> {
    let key = format!("reconcile:{}", ObjectSpec::of(object).sf_object);
    let resumed = load(deps, settings, &key).await?.and_then(|c| c.id);
    let (mut after, mut checked, mut queued) = (resumed, 0usize, 0u64);
    let calls_before = deps.sf.calls_made();
    loop {
        let page = deps
            .bindings
            .list(&settings.app, object, after.as_ref(), page_size)
            .await
            .map_err(store)?;
        let ids: Vec<SfId> = page.iter().map(|b| b.sf_id.clone()).collect();
        let gone = missing(deps, object, &ids).await?;
        let deleted: Vec<SfRecord> = gone
            .iter()
            .map(|id| deleted_record(id, run_start))
            .collect();
        queued += enqueue(deps, settings, object, &deleted, run_start).await?;
        checked += ids.len();
        after = ids.last().cloned();
        let progress = PollCursor {
            modstamp: run_start,
            id: after.clone().filter(|_| page.len() == page_size),
        };
        save(deps, settings, &key, &progress).await?;
        if page.len() < page_size {
            break;
        }
    }
    report.reconciled += queued;
    tracing::warn!(
        app_id = %settings.app,
        object = %object,
        checked,
        queued,
        api_calls = deps.sf.calls_made() - calls_before,
        "Salesforce no longer remembers every delete since the poll cursor (recycle bin emptied \
         or poller down too long): checked the bound records and queued deletes for those gone."
    );
    Ok(())
}

/// Which of `ids` Salesforce no longer has.
async fn missing(
    deps: &PollDeps<'_>,
    object: ObjectKind,
    ids: &[SfId],
) -> Result<Vec<SfId>, SyncError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let existing: HashSet<SfId> = deps
        .sf
        .existing_ids(ObjectSpec::of(object).sf_object, ids)
        .await
        .map_err(|e| e.0)?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .filter(|id| !existing.contains(*id))
        .cloned()
        .collect())
}

/// A delete known only by its id, in the shape queryAll deletes have (who deleted is unknown).
fn deleted_record(id: &SfId, at: OffsetDateTime) -> SfRecord {
    SfRecord {
        id: id.clone(),
        modstamp: at,
        modified_by: None,
        deleted: true,
        fields: BTreeMap::new(),
    }
}

/// Queue deletes not queued before (whichever path saw them first); returns how many.
async fn enqueue(
    deps: &PollDeps<'_>,
    settings: &AppSettings,
    object: ObjectKind,
    deleted: &[SfRecord],
    run_start: OffsetDateTime,
) -> Result<u64, SyncError> {
    let items = deleted
        .iter()
        .map(|rec| keyed_delete(settings, object, rec, run_start))
        .collect();
    let queued = super::once::send_once(deps.queue, deps.seen, items, run_start)
        .await
        .map_err(store)?;
    Ok(queued.iter().filter(|q| **q).count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_remote::FakeSalesforce;
    use crate::fakes::Fakes;
    use crate::ports::{Binding, BindingStore, Clock, Fields, SalesforcePort};
    use domain::{AppId, ErrorCode, JingId, Value};

    #[tokio::test]
    async fn a_reconciliation_stopped_midway_resumes_after_the_last_page_checked() {
        let f = Fakes::new();
        let sf = FakeSalesforce::new();
        let settings = AppSettings::new(
            AppId::parse("acme").unwrap(),
            "Acme",
            crate::settings::Environment::Production,
            "jing-app",
            "59",
        );
        let now = f.clock.now();
        let mut ids = Vec::new();
        for i in 0..5 {
            let fields: Fields = [("LastName".to_string(), Value::text(format!("L{i}")))].into();
            let id = sf.insert("Lead", fields);
            let jing = JingId::parse(&format!("j{i}")).unwrap();
            let b = Binding::new(
                settings.app.clone(),
                ObjectKind::Lead,
                id.clone(),
                jing,
                now,
            );
            f.bindings.put(&b, None).await.unwrap();
            ids.push(id);
        }
        ids.sort();
        // The last binding (in id order) is gone; the second page's check fails once.
        sf.human_delete(&ids[4]);
        let deps = f.poll_deps(&sf);
        let mut report = crate::capture::PollReport::default();
        sf.fail_after(1, SyncError::new(ErrorCode::RemoteUnavailable));
        let first =
            reconcile_in_pages(&deps, &settings, ObjectKind::Lead, now, &mut report, 2).await;
        assert!(first.is_err(), "the second page's check fails");
        let calls = sf.calls_made();
        reconcile_in_pages(&deps, &settings, ObjectKind::Lead, now, &mut report, 2)
            .await
            .unwrap();
        assert_eq!(report.reconciled, 1);
        assert_eq!(
            sf.calls_made() - calls,
            2,
            "pages 2 and 3 only: page 1 is not checked again"
        );
        // Finished: the next reconciliation starts from the beginning (3 pages).
        let calls = sf.calls_made();
        reconcile_in_pages(&deps, &settings, ObjectKind::Lead, now, &mut report, 2)
            .await
            .unwrap();
        assert_eq!(sf.calls_made() - calls, 3);
    }
}
