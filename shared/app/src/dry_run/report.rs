//! What a dry run answers: per object and direction, what the writer would do.

use super::ports::WriteTally;
use crate::ports::{SyncedOp, Verdict};
use domain::{Direction, ErrorCode, ObjectKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Example record ids kept per error code.
pub const EXAMPLES: usize = 5;

/// The errors of one code pre-flight (or the target) would raise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    pub count: u64,
    /// Up to [`EXAMPLES`] source record ids.
    pub examples: Vec<String>,
}

/// What the writer would do with one object's records read from one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectCounts {
    pub object: ObjectKind,
    pub direction: Direction,
    /// Source records read.
    pub read: u64,
    pub would_create: u64,
    /// Bound to a record the target already holds (its duplicate rules found it).
    pub would_bind: u64,
    pub would_update: u64,
    /// Nothing differs, or our own write coming back.
    pub unchanged: u64,
    /// Outside the direction's scope, or its trigger is off.
    pub out_of_scope: u64,
    /// Would be parked (allocation spent, breaker, pause).
    pub parked: u64,
    pub errors: BTreeMap<ErrorCode, ErrorGroup>,
    /// More than [`super::MAX_RECORDS`] records: counts cover the first ones only.
    pub truncated: bool,
}

impl ObjectCounts {
    fn new(object: ObjectKind, direction: Direction) -> Self {
        Self {
            object,
            direction,
            read: 0,
            would_create: 0,
            would_bind: 0,
            would_update: 0,
            unchanged: 0,
            out_of_scope: 0,
            parked: 0,
            errors: BTreeMap::new(),
            truncated: false,
        }
    }

    pub(super) fn note(&mut self, record: &str, verdict: &Verdict) {
        match verdict {
            Verdict::Synced { op, .. } => match op {
                SyncedOp::Created | SyncedOp::Staged => self.would_create += 1,
                SyncedOp::Bound => self.would_bind += 1,
                SyncedOp::Updated | SyncedOp::Converted | SyncedOp::Deleted => {
                    self.would_update += 1
                }
            },
            Verdict::OutOfScope { .. } | Verdict::TriggerOff { .. } => self.out_of_scope += 1,
            Verdict::Echo | Verdict::Unchanged { .. } => self.unchanged += 1,
            Verdict::Parked { .. } => self.parked += 1,
            Verdict::Failed { code, .. } => {
                let group = self.errors.entry(*code).or_default();
                group.count += 1;
                if group.examples.len() < EXAMPLES {
                    group.examples.push(record.to_owned());
                }
            }
        }
    }
}

/// Calls on one remote: reads the dry run made, writes the real run would make.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SideCalls {
    pub reads: u64,
    /// Write requests (≤ 200 records each) the real run would make.
    pub estimated_writes: u64,
    pub would_create: u64,
    pub would_update: u64,
    pub would_delete: u64,
}

impl SideCalls {
    pub(super) fn of(t: &WriteTally) -> Self {
        Self {
            reads: WriteTally::get(&t.reads),
            estimated_writes: WriteTally::get(&t.calls),
            would_create: WriteTally::get(&t.creates),
            would_update: WriteTally::get(&t.updates),
            would_delete: WriteTally::get(&t.deletes),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DryRunReport {
    pub objects: Vec<ObjectCounts>,
    pub salesforce: SideCalls,
    pub jing: SideCalls,
}

impl DryRunReport {
    pub(super) fn object(&mut self, object: ObjectKind, direction: Direction) -> &mut ObjectCounts {
        let at = self
            .objects
            .iter()
            .position(|o| o.object == object && o.direction == direction);
        let at = at.unwrap_or_else(|| {
            self.objects.push(ObjectCounts::new(object, direction));
            self.objects.len() - 1
        });
        &mut self.objects[at]
    }
}
