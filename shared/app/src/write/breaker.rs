//! The circuit breaker: changes that would delete, blank or overwrite an unusual share of an
//! object's bound records pause the direction instead of writing. Counted over a rolling
//! window per object and direction (`QuotaStore::add_in_window`: across batches, workers and
//! Lambda containers), so a mass delete trickling in over many small batches trips it as surely
//! as one big batch. Nothing is lost: the risky changes are held (parked and listed with cause
//! and fix) until an admin resumes the direction or discards them.

use super::batch::Group;
use super::prepare::{Op, Planned};
use super::{ApplyReport, Deps, commit};
use crate::settings::{AppSettings, CircuitBreaker, Pause};
use domain::{Direction, ErrorCode, SyncError};
use time::OffsetDateTime;

/// Buckets per window: the window rolls on in sixths.
const SPAN: u32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Risk {
    /// A delete, or an update blanking a field.
    Destructive,
    /// An update replacing a non-empty value with another one.
    Overwrite,
    Safe,
}

fn risk(p: &Planned) -> Risk {
    match &p.op {
        Op::Delete { .. } => Risk::Destructive,
        Op::Update { fields, .. } if fields.values().any(|v| v.is_empty()) => Risk::Destructive,
        Op::Update { binding, .. } => {
            let overwrites = p.synced.iter().any(|(field, new)| {
                binding
                    .last_synced
                    .get(field)
                    .is_some_and(|old| !old.is_empty() && !new.is_empty() && old != new)
            });
            if overwrites {
                Risk::Overwrite
            } else {
                Risk::Safe
            }
        }
        _ => Risk::Safe,
    }
}

/// The window bucket `now` falls in, and how many buckets make the window.
fn bucket(limits: &CircuitBreaker, now: OffsetDateTime) -> (i64, u32) {
    let window_secs = i64::from(limits.window_minutes.max(1)) * 60;
    let bucket_secs = (window_secs / i64::from(SPAN)).max(1);
    (now.unix_timestamp().div_euclid(bucket_secs), SPAN)
}

fn window_name(group: &Group) -> String {
    let direction = match group.direction {
        Direction::SfToJing => "sf_to_jing",
        Direction::JingToSf => "jing_to_sf",
    };
    format!("breaker|{}|{direction}", group.object.as_str())
}

/// What tripped the breaker, for the pause's reason (`{detail}` of CircuitOpen's texts).
fn tripped(
    limits: &CircuitBreaker,
    destructive: u64,
    overwrites: u64,
    bound: u64,
) -> Option<String> {
    let over = |n: u64, pct: u8| {
        n >= limits.min_records.max(1) && n * 100 > bound.saturating_mul(u64::from(pct))
    };
    let share = |n: u64| (n * 100).checked_div(bound).unwrap_or(100);
    let window = limits.window_minutes;
    if over(destructive, limits.share_pct) {
        return Some(format!(
            "within {window} minutes, delete or blank {}% ({destructive} of {bound})",
            share(destructive)
        ));
    }
    over(overwrites, limits.overwrite_share_pct).then(|| {
        format!(
            "within {window} minutes, overwrite {}% ({overwrites} of {bound})",
            share(overwrites)
        )
    })
}

pub(crate) async fn check(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    planned: Vec<Planned>,
    report: &mut ApplyReport,
) -> Vec<Planned> {
    let risks: Vec<Risk> = planned.iter().map(risk).collect();
    let count = |r: Risk| risks.iter().filter(|x| **x == r).count() as u64;
    let (destructive, overwrites) = (count(Risk::Destructive), count(Risk::Overwrite));
    if destructive + overwrites == 0 {
        return planned;
    }
    let limits = settings.circuit_breaker;
    let (at, span) = bucket(&limits, deps.clock.now());
    let name = window_name(group);
    let counts = [destructive, overwrites];
    let sums = match deps
        .quota
        .add_in_window(&settings.app, &name, at, span, &counts)
        .await
    {
        Ok(sums) => sums,
        Err(e) => {
            // A safety valve must not stop the sync it guards: count again with the next batch.
            tracing::warn!(app_id = %settings.app, error = %e, "Could not count for the circuit breaker.");
            return planned;
        }
    };
    let (in_window, overwritten) = (sums[0], sums[1]);
    if in_window.max(overwritten) < limits.min_records.max(1) {
        return planned;
    }
    let bound = match deps.bindings.count(&settings.app, group.object).await {
        Ok(bound) => bound,
        Err(e) => {
            tracing::warn!(app_id = %settings.app, error = %e, "Could not count bound records for the circuit breaker.");
            return planned;
        }
    };
    let Some(detail) = tripped(&limits, in_window, overwritten, bound) else {
        return planned;
    };
    open(deps, settings, group, &detail).await;
    hold(deps, settings, group, planned, &risks, &detail, report).await
}

async fn open(deps: &Deps<'_>, settings: &AppSettings, group: &Group, detail: &str) {
    tracing::warn!(app_id = %settings.app, object = %group.object, detail, "Circuit breaker opened.");
    let pause = Pause {
        object: group.object,
        direction: group.direction,
        reason: reason(group, detail),
    };
    // `pause`, not a settings save: the writer may not rewrite an app's configuration.
    if let Err(e) = deps.settings.pause(&settings.app, &[pause]).await {
        tracing::error!(app_id = %settings.app, error = %e, "Could not save the pause; holding anyway.");
    }
}

fn reason(group: &Group, detail: &str) -> SyncError {
    SyncError::new(ErrorCode::CircuitOpen)
        .object(group.object.as_str())
        .detail(detail.to_owned())
}

/// Hold the risky changes (parked, listed among the failures); the safe ones go on.
async fn hold(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    planned: Vec<Planned>,
    risks: &[Risk],
    detail: &str,
    report: &mut ApplyReport,
) -> Vec<Planned> {
    let why = reason(group, detail);
    let mut go = Vec::with_capacity(planned.len());
    for (p, r) in planned.into_iter().zip(risks) {
        if *r == Risk::Safe {
            go.push(p);
            continue;
        }
        let item = &group.items[p.item];
        super::decide::note(report, item, super::decide::breaker());
        let outcome = commit::park_listed(deps, settings, group, item, &why).await;
        report.set(&item.indexes, outcome);
    }
    go
}
