//! Grouping a batch by object and direction, and coalescing changes of the same record.

use domain::{Change, Direction, ObjectKind, RecordRef, Side};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// One record's coalesced change and the input positions it stands for.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub indexes: Vec<usize>,
    pub change: Change,
    /// Two of the coalesced changes had the same time and different values: the record is
    /// read back before it is written (see `RecordPlan::ambiguous`).
    pub tied: bool,
}

/// Changes of one object flowing in one direction.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub object: ObjectKind,
    pub direction: Direction,
    pub items: Vec<Item>,
    /// Member bindings read for this group's owners (see [`MemberMemo`]).
    pub members: MemberMemo,
}

/// Member bindings (owner id on one side → the other side's id, `None`: not bound) read while a
/// group is applied: its records mostly share a handful of owners, and each owner costs one
/// read per group instead of one per record (on DynamoDB, 20 records of one owner made 20
/// GetItems). Member bindings change only through member matching, never inside a write.
#[derive(Debug, Default)]
pub(crate) struct MemberMemo(Mutex<HashMap<(Side, String), Option<String>>>);

impl MemberMemo {
    pub(crate) fn get(&self, origin: Side, id: &str) -> Option<Option<String>> {
        let memo = self.0.lock().unwrap_or_else(|p| p.into_inner());
        memo.get(&(origin, id.to_owned())).cloned()
    }

    pub(crate) fn put(&self, origin: Side, id: &str, other: Option<String>) {
        let mut memo = self.0.lock().unwrap_or_else(|p| p.into_inner());
        memo.insert((origin, id.to_owned()), other);
    }
}

impl Clone for MemberMemo {
    /// A copied group reads its owners afresh.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl Group {
    pub(crate) fn new(object: ObjectKind, direction: Direction, items: Vec<Item>) -> Self {
        Self {
            object,
            direction,
            items,
            members: MemberMemo::default(),
        }
    }
}

/// Group by (object, direction) and coalesce per record (latest value per field wins).
pub(crate) fn group(changes: Vec<Change>) -> Vec<Group> {
    let mut by_key: BTreeMap<(ObjectKind, Direction), BTreeMap<RecordRef, Item>> = BTreeMap::new();
    for (i, change) in changes.into_iter().enumerate() {
        let key = (change.object, Direction::from_origin(change.origin()));
        let records = by_key.entry(key).or_default();
        match records.get_mut(&change.record) {
            Some(item) => {
                item.indexes.push(i);
                item.tied |= item.change.ties_with(&change);
                item.change.coalesce(change);
            }
            None => {
                let record = change.record.clone();
                records.insert(
                    record,
                    Item {
                        indexes: vec![i],
                        change,
                        tied: false,
                    },
                );
            }
        }
    }
    by_key
        .into_iter()
        .map(|((object, direction), items)| {
            Group::new(object, direction, items.into_values().collect())
        })
        .collect()
}

/// Split each group into its live and its initialization part (each record is in one part:
/// groups are coalesced per record first), so the initialization's part spends only its share
/// of the allocation (`crate::spending`).
pub(crate) fn split_by_lane(groups: Vec<Group>) -> Vec<Group> {
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let (live, backfill): (Vec<Item>, Vec<Item>) = g
            .items
            .into_iter()
            .partition(|i| i.change.lane == domain::Lane::Live);
        for items in [live, backfill] {
            if !items.is_empty() {
                out.push(Group::new(g.object, g.direction, items));
            }
        }
    }
    out
}

impl Group {
    /// Every record of the group is an initialization's (groups are split by lane).
    pub(crate) fn is_initialization(&self) -> bool {
        self.items
            .iter()
            .all(|i| i.change.lane == domain::Lane::Backfill)
    }
}

/// Coalesce a list of changes per record (used by the parked store and queue consumers).
pub fn coalesce(changes: Vec<Change>) -> Vec<Change> {
    group(changes)
        .into_iter()
        .flat_map(|g| g.items.into_iter().map(|i| i.change))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{AppId, JingId, Lane};
    use time::OffsetDateTime;

    fn lead(id: &str, lane: Lane, at: i64) -> Change {
        let record = RecordRef::Jing(JingId::parse(id).unwrap());
        let at = OffsetDateTime::from_unix_timestamp(at).unwrap();
        let mut c = Change::upsert(AppId::parse("a").unwrap(), ObjectKind::Lead, record, at, []);
        c.lane = lane;
        c
    }

    #[test]
    fn each_record_lands_in_one_lane_and_a_live_edit_makes_it_live() {
        let changes = vec![
            lead("J1", Lane::Backfill, 1),
            lead("J2", Lane::Backfill, 1),
            lead("J2", Lane::Live, 2),
            lead("J3", Lane::Live, 1),
        ];
        let groups = split_by_lane(group(changes));
        assert_eq!(groups.len(), 2);
        let records = |g: &Group| -> Vec<String> {
            g.items
                .iter()
                .map(|i| i.change.record.as_str().to_owned())
                .collect()
        };
        let (live, init): (Vec<&Group>, Vec<&Group>) =
            groups.iter().partition(|g| !g.is_initialization());
        assert_eq!(records(live[0]), ["J2", "J3"]);
        assert_eq!(records(init[0]), ["J1"]);
        assert_eq!(
            live[0].items[0].indexes,
            [1, 2],
            "J2's two changes, coalesced"
        );
    }
}
