//! Reading a record back when its change is ambiguous.
//!
//! Salesforce change times are to the second and deliveries arrive out of order (a retried
//! outbound message, the safety net's listing, a change put back after a crash): two changes of
//! one record made in the same second cannot be ordered by their time, and applying whichever
//! arrives last can leave the other side with the older value for good. When the planner finds
//! such a tie (`RecordPlan::ambiguous`) or two coalesced changes tie (`Item::tied`), the writer
//! reads the record as Salesforce holds it now (one query) and plans that instead: it was read
//! after every tied delivery was received, so it is at least as new as each of them.
//!
//! JING's webhook times are whole seconds too, and its open API has no read of one record: a
//! JING record is read back from the change list since the tie's second (a few pages at most),
//! whose times are in milliseconds.

use super::Deps;
use super::batch::{Group, Item};
use crate::capture::jing_record_change;
use crate::capture::verify::read_current;
use crate::settings::AppSettings;
use domain::{Change, JingId, ObjectSpec, Operation, RecordRef, SyncError};

/// Whether the item's change must be read back before it is written.
pub(super) fn needed(item: &Item, ambiguous: bool) -> bool {
    item.change.op == Operation::Upsert && (ambiguous || item.tied)
}

/// Change-list pages read at most to find a JING record changed since the tie.
const JING_PAGES: usize = 10;

/// The record as Salesforce holds it now, as a change of the item's lane; `None` when it is
/// no longer a live record to update (deleted or converted since: their own changes follow).
pub(super) async fn read_back(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &Change,
) -> Result<Option<Change>, SyncError> {
    let now = match &change.record {
        RecordRef::Salesforce(id) => {
            let ids = std::slice::from_ref(id);
            let mut read = read_current(deps.sf, settings, group.object, ids)
                .await
                .map_err(|e| e.0)?;
            read.remove(id.as_str())
        }
        RecordRef::Jing(id) => read_jing(deps, settings, group, change, id).await?,
    };
    let Some(mut now) = now else {
        return Ok(None);
    };
    if now.op != Operation::Upsert {
        return Ok(None);
    }
    now.lane = change.lane;
    tracing::debug!(
        record = change.record.as_str(),
        was = %change.source_time,
        now = %now.source_time,
        "Two changes of the same time: planned from the record read back."
    );
    Ok(Some(now))
}

/// The JING record as the change list shows it now (listed since the tie's second).
async fn read_jing(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &Change,
    id: &JingId,
) -> Result<Option<Change>, SyncError> {
    let object = ObjectSpec::of(group.object).jing_object;
    let since = change.source_time - time::Duration::seconds(1);
    let mut page_token: Option<String> = None;
    for _ in 0..JING_PAGES {
        let page = deps
            .jing
            .changed_since(object, since, page_token.as_deref())
            .await
            .map_err(|e| e.0)?;
        if let Some(rec) = page.records.iter().find(|r| r.id == *id) {
            return Ok(Some(jing_record_change(
                settings,
                group.object,
                rec,
                change.lane,
            )));
        }
        match page.next {
            Some(next) => page_token = Some(next),
            None => break,
        }
    }
    Ok(None)
}
