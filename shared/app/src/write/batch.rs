//! Grouping a batch by object and direction, and coalescing changes of the same record.

use domain::{Change, Direction, ObjectKind, RecordRef};
use std::collections::BTreeMap;

/// One record's coalesced change and the input positions it stands for.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub indexes: Vec<usize>,
    pub change: Change,
}

/// Changes of one object flowing in one direction.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub object: ObjectKind,
    pub direction: Direction,
    pub items: Vec<Item>,
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
                item.change.coalesce(change);
            }
            None => {
                let record = change.record.clone();
                records.insert(
                    record,
                    Item {
                        indexes: vec![i],
                        change,
                    },
                );
            }
        }
    }
    by_key
        .into_iter()
        .map(|((object, direction), items)| Group {
            object,
            direction,
            items: items.into_values().collect(),
        })
        .collect()
}

/// Coalesce a list of changes per record (used by the parked store and queue consumers).
pub fn coalesce(changes: Vec<Change>) -> Vec<Change> {
    group(changes)
        .into_iter()
        .flat_map(|g| g.items.into_iter().map(|i| i.change))
        .collect()
}
