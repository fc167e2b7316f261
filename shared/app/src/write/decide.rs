//! Recording what the writer decided for each record and why (the decision log behind
//! "explain"). The steps note their reason where they decide (`note`); when a group is done
//! each of its records gets one [`Decision`] (the noted reason, or one read from the outcome),
//! and the whole apply writes them in one call at the end (`flush`): one SQLite transaction,
//! or one BatchWriteItem per 25 decisions on DynamoDB.

use super::batch::{Group, Item};
use super::{ApplyReport, Deps, Outcome};
use crate::ports::{Decision, DecisionSource, ParkCause, SyncedOp, Verdict};
use crate::settings::AppSettings;
use domain::{Change, NextStep, SyncError, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Remember why `item` ended as it did (the last note of a record wins).
pub(crate) fn note(report: &mut ApplyReport, item: &Item, verdict: Verdict) {
    if let Some(&first) = item.indexes.first() {
        report.notes.insert(first, verdict);
    }
}

/// The verdict an outcome implies when no step noted a more precise reason.
fn from_outcome(outcome: &Outcome) -> Verdict {
    match outcome {
        Outcome::Applied => Verdict::Synced {
            op: crate::ports::SyncedOp::Updated,
            fields: Vec::new(),
        },
        Outcome::Skipped => Verdict::Unchanged {
            conflicts: Vec::new(),
        },
        Outcome::Parked => Verdict::Parked {
            cause: ParkCause::Quota,
            code: None,
        },
        Outcome::Retry(e) => failed(e, true),
        Outcome::Failed(e) => failed(e, false),
    }
}

fn failed(e: &SyncError, retry: bool) -> Verdict {
    Verdict::Failed {
        code: e.code,
        field: e.field.clone(),
        retry,
    }
}

/// Why a call-level failure parked a group's records.
pub(crate) fn parked_by(e: &SyncError) -> Verdict {
    let cause = match e.next_step() {
        NextStep::Reauthorize => ParkCause::Authorization,
        _ => ParkCause::Quota,
    };
    Verdict::Parked {
        cause,
        code: Some(e.code),
    }
}

/// The circuit breaker held the change back.
pub(crate) fn breaker() -> Verdict {
    Verdict::Parked {
        cause: ParkCause::Breaker,
        code: Some(domain::ErrorCode::CircuitOpen),
    }
}

/// One decision per record of a processed group, from the notes and the outcomes.
pub(crate) fn conclude(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    report: &mut ApplyReport,
) {
    let at = deps.clock.now();
    for item in &group.items {
        let Some(&first) = item.indexes.first() else {
            continue;
        };
        let noted = report.notes.remove(&first);
        let outcome = &report.outcomes[first];
        // A retry overrides what a step noted before the store failed.
        let verdict = match (noted, outcome) {
            (_, Outcome::Retry(e)) => failed(e, true),
            (Some(v), _) => v,
            (None, o) => from_outcome(o),
        };
        report
            .decisions
            .push(decision(settings, group, &item.change, at, verdict));
    }
}

fn decision(
    settings: &AppSettings,
    group: &Group,
    change: &Change,
    at: time::OffsetDateTime,
    verdict: Verdict,
) -> Decision {
    Decision {
        app: settings.app.clone(),
        object: group.object,
        record_key: change.record.as_str().to_owned(),
        direction: group.direction,
        at,
        source: DecisionSource {
            lane: change.lane,
            actor: change.actor.clone(),
            at: change.source_time,
        },
        verdict,
    }
}

/// Write the apply's decisions in one call. Best effort: the log explains, it never decides,
/// so a failed write is logged and the sync goes on.
///
/// A create staged for an initialization's ingest job is not logged: its job decides, and the
/// commit logs that decision (created, refused, or written again live). Logging both doubled
/// the log's writes on an initialization (a million rows more, each into an index keyed by a
/// random JING id), for an entry the next one replaces within minutes.
pub(crate) async fn flush(deps: &Deps<'_>, settings: &AppSettings, report: &ApplyReport) {
    let staged = |d: &Decision| {
        matches!(
            d.verdict,
            Verdict::Synced {
                op: SyncedOp::Staged,
                ..
            }
        )
    };
    let decisions: Cow<'_, [Decision]> = if report.decisions.iter().any(staged) {
        let rest = report.decisions.iter().filter(|d| !staged(d));
        Cow::Owned(rest.cloned().collect())
    } else {
        Cow::Borrowed(&report.decisions)
    };
    if decisions.is_empty() {
        return;
    }
    if let Err(e) = deps.decisions.record(&decisions).await {
        tracing::warn!(app_id = %settings.app, error = %e, "Could not write the decision log.");
    }
}

/// A new record outside the scope: the conditions it missed and the fields they test.
pub(crate) fn out_of_scope(
    scope: &domain::conditions::Scope,
    change: &Change,
    now: time::OffsetDateTime,
) -> Verdict {
    let fields: BTreeMap<String, Value> = change
        .fields
        .iter()
        .map(|(k, f)| (k.clone(), f.after.clone()))
        .collect();
    let missed = scope.misses(&fields, now);
    let mut tested: Vec<String> = missed.iter().map(|c| c.field.clone()).collect();
    tested.dedup();
    Verdict::OutOfScope {
        rules: missed.iter().map(ToString::to_string).collect(),
        fields: tested,
    }
}

/// A trigger that is off.
pub(crate) fn trigger_off(trigger: &str) -> Verdict {
    Verdict::TriggerOff {
        trigger: trigger.to_owned(),
    }
}
