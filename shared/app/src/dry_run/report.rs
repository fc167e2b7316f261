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
    /// Salesforce side: how many records the initialization would read (its `COUNT()`).
    pub source_total: Option<u64>,
    /// Every record was read and decided. False: the counts cover the first `read` records
    /// only (see `stopped`), a sample, not the whole.
    pub complete: bool,
    pub stopped: Option<Stopped>,
}

/// Why a dry run stopped reading an object before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Its share of the time budget was spent (API Gateway cuts a request at 29 s).
    TimeBudget,
    /// More than [`super::MAX_RECORDS`] records.
    RecordCap,
    /// JING's records were not all listed in time: some binds may be counted as creates.
    DuplicateListing,
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
            source_total: None,
            complete: true,
            stopped: None,
        }
    }

    /// Reading stopped before the end (the first reason is kept).
    pub(super) fn stop(&mut self, why: Stopped) {
        self.complete = false;
        self.stopped.get_or_insert(why);
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
    /// Every object was read to its end (else the counts are a sample: see each object).
    pub complete: bool,
    pub elapsed_ms: u64,
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
