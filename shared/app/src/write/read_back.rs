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
//! JING's change times are in milliseconds: a tie there is left to the arrival order.

use super::Deps;
use super::batch::{Group, Item};
use crate::capture::verify::read_current;
use crate::settings::AppSettings;
use domain::{Change, Direction, Operation, RecordRef, SyncError};

/// Whether the item's change must be read back before it is written.
pub(super) fn needed(group: &Group, item: &Item, ambiguous: bool) -> bool {
    group.direction == Direction::SfToJing
        && item.change.op == Operation::Upsert
        && (ambiguous || item.tied)
}

/// The record as Salesforce holds it now, as a change of the item's lane; `None` when it is
/// no longer a live record to update (deleted or converted since: their own changes follow).
pub(super) async fn read_back(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &Change,
) -> Result<Option<Change>, SyncError> {
    let RecordRef::Salesforce(id) = &change.record else {
        return Ok(None);
    };
    let mut read = read_current(deps.sf, settings, group.object, std::slice::from_ref(id))
        .await
        .map_err(|e| e.0)?;
    let Some(mut now) = read.remove(id.as_str()) else {
        return Ok(None);
    };
    if now.op != Operation::Upsert {
        return Ok(None);
    }
    now.lane = change.lane;
    tracing::debug!(
        record = id.as_str(),
        was = %change.source_time,
        now = %now.source_time,
        "Two changes of the same time: planned from the record read back."
    );
    Ok(Some(now))
}
