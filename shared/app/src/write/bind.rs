//! Writing a group's new and updated bindings in one store call (one SQLite transaction
//! instead of one per record). They are written after the target's write, as one by one
//! before: a process that dies before they are stored leaves the records claimed, and the next
//! attempt looks for what it wrote (see `claims`), so nothing is lost or made twice.

use super::batch::Group;
use super::commit::{AfterSync, Written};
use super::prepare::store_error;
use super::{ApplyReport, Counts, Deps, Outcome};
use crate::ports::{Binding, StoreError};
use crate::settings::AppSettings;

/// Which counter a written binding adds to.
#[derive(Clone, Copy)]
pub(super) enum Counter {
    Created,
    BoundExisting,
    Updated,
}

impl Counter {
    fn add(self, c: &mut Counts) {
        match self {
            Counter::Created => c.created += 1,
            Counter::BoundExisting => c.bound_existing += 1,
            Counter::Updated => c.updated += 1,
        }
    }
}

/// One binding to write (`expected`: the version it replaces; `None`: a new binding).
pub(super) struct Bind {
    pub binding: Binding,
    pub expected: Option<u64>,
    pub counter: Counter,
    pub written: Written,
}

/// The bindings of one group, written together by [`Binds::write`].
#[derive(Default)]
pub(super) struct Binds {
    writes: Vec<(Binding, Option<u64>)>,
    rest: Vec<(Counter, Written)>,
}

impl Binds {
    pub(super) fn push(&mut self, b: Bind) {
        self.writes.push((b.binding, b.expected));
        self.rest.push((b.counter, b.written));
    }

    /// Write every binding, then record each one written; a binding that could not be
    /// written makes its record retry (its claim is kept, so the retry finds the target's
    /// record instead of creating another).
    pub(super) async fn write(
        self,
        deps: &Deps<'_>,
        settings: &AppSettings,
        group: &Group,
        report: &mut ApplyReport,
        after: &mut AfterSync,
    ) {
        if self.writes.is_empty() {
            return;
        }
        let mut results = deps.bindings.put_each(&self.writes).await;
        // A store answering fewer results than writes: the unanswered ones retry.
        let unanswered = StoreError::Unavailable("the binding store skipped a write".into());
        results.resize(self.writes.len(), Err(unanswered));
        for ((counter, mut written), result) in self.rest.into_iter().zip(results) {
            let item = written.planned.item;
            let outcome = match result {
                Ok(()) => {
                    counter.add(&mut report.counts);
                    written.record(deps, settings, group, report, after).await;
                    after.applied.push(item);
                    Outcome::Applied
                }
                Err(e) => Outcome::Retry(store_error(e)),
            };
            report.set(&group.items[item].indexes, outcome);
        }
    }
}
