//! The writer (写入): the one place that decides what to write where.
//!
//! `apply` takes a batch of changes, coalesces changes of the same record, translates owners
//! through member bindings, plans every record with the domain's rules, checks the circuit
//! breaker, reserves Salesforce API calls before making them (parking what the budget cannot
//! pay for), writes in batches (sObject Collections ≤ 200, JING batch endpoints), binds created
//! records (or binds to the duplicates the target's rules found) and records every outcome.

mod batch;
mod bind;
mod breaker;
mod claims;
mod commit;
mod conversion;
mod decide;
mod execute;
mod ingest;
pub mod ingest_job;
mod ingest_outcomes;
mod owner;
mod prepare;
mod read_back;
mod unbound;

use crate::ports::*;
use crate::settings::AppSettings;
use domain::{Change, ObjectKind, SyncError};
use serde::Serialize;

pub use batch::coalesce;

/// Ports the writer uses.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub bindings: &'a dyn BindingStore,
    pub errors: &'a dyn ErrorStore,
    pub synced: &'a dyn SyncLog,
    pub ledger: &'a dyn Ledger,
    /// Why each record synced or not (one write per apply).
    pub decisions: &'a dyn DecisionLog,
    pub quota: &'a dyn QuotaStore,
    pub parked: &'a dyn ParkedStore,
    pub claims: &'a dyn RecordClaims,
    pub settings: &'a dyn SettingsStore,
    pub sf: &'a dyn SalesforcePort,
    pub jing: &'a dyn JingPort,
    pub clock: &'a dyn Clock,
    /// Where initialization creates wait for a Bulk API 2.0 ingest job (`None`: never staged).
    pub staging: Option<&'a dyn StagingStore>,
}

/// What happened to one input change.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Written (or bound) on the target.
    Applied,
    /// Nothing to write (echo, unchanged, out of scope, direction off...).
    Skipped,
    /// Set aside until the budget resets or an admin resumes; nothing lost.
    Parked,
    /// Temporary failure: redeliver later.
    Retry(SyncError),
    /// Permanent failure, recorded in the error list.
    Failed(SyncError),
}

/// Counters of one `apply`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub bound_existing: u64,
    pub skipped: u64,
    pub failed: u64,
    pub parked: u64,
    pub retried: u64,
    pub conflicts: u64,
    /// Owner fields left unchanged because the member is not bound (a warning, not a failure).
    pub owner_warnings: u64,
    /// Initialization creates staged for a Bulk API 2.0 ingest job (created when it runs).
    pub staged: u64,
}

impl std::ops::AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, c: &Counts) {
        self.created += c.created;
        self.updated += c.updated;
        self.deleted += c.deleted;
        self.bound_existing += c.bound_existing;
        self.skipped += c.skipped;
        self.failed += c.failed;
        self.parked += c.parked;
        self.retried += c.retried;
        self.conflicts += c.conflicts;
        self.owner_warnings += c.owner_warnings;
        self.staged += c.staged;
    }
}

#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    /// One outcome per input change, in input order.
    pub outcomes: Vec<Outcome>,
    pub counts: Counts,
    /// Opportunities bound by conversions of this apply (their values are read and written
    /// before it returns).
    pub(crate) converted: Vec<domain::SfId>,
    /// What was decided for each record and why (written once at the end of the apply).
    pub decisions: Vec<crate::ports::Decision>,
    /// Reasons the steps noted, by the record's first input position (see `decide`).
    pub(crate) notes: std::collections::HashMap<usize, crate::ports::Verdict>,
}

impl ApplyReport {
    fn set(&mut self, indexes: &[usize], outcome: Outcome) {
        let c = &mut self.counts;
        match &outcome {
            Outcome::Skipped => c.skipped += 1,
            Outcome::Parked => c.parked += 1,
            Outcome::Retry(_) => c.retried += 1,
            Outcome::Failed(_) => c.failed += 1,
            Outcome::Applied => {}
        }
        for &i in indexes {
            self.outcomes[i] = outcome.clone();
        }
    }
}

/// Apply a batch of changes of one app.
pub async fn apply(deps: &Deps<'_>, settings: &AppSettings, changes: Vec<Change>) -> ApplyReport {
    apply_until(deps, settings, changes, None).await
}

/// [`apply`], taking no new group of records once `stop_at` has passed: what is left is
/// `Retry(OutOfTime)`, delivered again (a Lambda stops before its timeout instead of being
/// killed mid-write and redelivering the whole batch).
pub async fn apply_until(
    deps: &Deps<'_>,
    settings: &AppSettings,
    changes: Vec<Change>,
    stop_at: Option<std::time::Instant>,
) -> ApplyReport {
    let mut report = ApplyReport {
        outcomes: vec![Outcome::Skipped; changes.len()],
        ..ApplyReport::default()
    };
    // Members first (owner translation depends on them), then accounts before leads (a lead's
    // account must exist), opportunities last (they follow converted leads).
    let order = [
        ObjectKind::Member,
        ObjectKind::Account,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
    ];
    let mut groups = batch::split_by_lane(batch::group(changes));
    for kind in order {
        if kind == ObjectKind::Opportunity {
            conversion::follow(deps, settings, &mut report).await;
        }
        for group in groups.iter_mut().filter(|g| g.object == kind) {
            if stop_at.is_some_and(|t| std::time::Instant::now() >= t) {
                for item in &group.items {
                    let out_of_time = SyncError::new(domain::ErrorCode::OutOfTime);
                    report.set(&item.indexes, Outcome::Retry(out_of_time));
                }
                continue;
            }
            ingest::merge_staged(deps, settings, group, &mut report).await;
            if group.is_initialization() {
                let work = process_group(deps, settings, group, &mut report);
                crate::spending::as_initialization(work).await;
            } else {
                process_group(deps, settings, group, &mut report).await;
            }
        }
    }
    decide::flush(deps, settings, &report).await;
    report
}

pub(crate) async fn process_group(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &batch::Group,
    report: &mut ApplyReport,
) {
    let Some(claimed) = claims::claim(deps, settings, group, report).await else {
        decide::conclude(deps, settings, group, report);
        return;
    };
    let held = claimed.group.as_ref();
    let planned = prepare::prepare(deps, settings, held, report).await;
    let planned = breaker::check(deps, settings, held, planned, report).await;
    let executed = execute::execute(deps, settings, held, planned, &claimed.retried).await;
    commit::commit(deps, settings, held, executed, report).await;
    claims::settle(deps, settings, &claimed, report).await;
    decide::conclude(deps, settings, group, report);
}
