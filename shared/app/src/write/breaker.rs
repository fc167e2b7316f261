//! The circuit breaker: a batch that would delete or blank fields on an unusual share of an
//! object's bound records pauses the direction instead of writing (nothing is lost: the
//! destructive changes are parked until an admin resumes).

use super::batch::Group;
use super::prepare::{Op, Planned};
use super::{ApplyReport, Deps, Outcome};
use crate::settings::{AppSettings, Pause};
use domain::{ErrorCode, SyncError};

fn destructive(p: &Planned) -> bool {
    match &p.op {
        Op::Delete { .. } => true,
        Op::Update { fields, .. } => fields.values().any(|v| v.is_empty()),
        _ => false,
    }
}

pub(crate) async fn check(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    planned: Vec<Planned>,
    report: &mut ApplyReport,
) -> Vec<Planned> {
    let risky = planned.iter().filter(|p| destructive(p)).count() as u64;
    let limits = settings.circuit_breaker;
    if risky < limits.min_records.max(1) {
        return planned;
    }
    let bound = deps
        .bindings
        .count(&settings.app, group.object)
        .await
        .unwrap_or(u64::MAX);
    if risky * 100 <= bound.saturating_mul(u64::from(limits.share_pct)) {
        return planned;
    }
    let pct = (risky * 100).checked_div(bound).unwrap_or(100);
    let reason = SyncError::new(ErrorCode::CircuitOpen)
        .object(group.object.as_str())
        .detail(format!("{pct}% ({risky} of {bound})"));
    tracing::warn!(app_id = %settings.app, object = %group.object, risky, bound, "Circuit breaker opened.");
    let pause = Pause {
        object: group.object,
        direction: group.direction,
        reason,
    };
    // `pause`, not a settings save: the writer may not rewrite an app's configuration.
    if let Err(e) = deps.settings.pause(&settings.app, &[pause]).await {
        tracing::error!(app_id = %settings.app, error = %e, "Could not save the pause; parking anyway.");
    }
    let (stop, go): (Vec<_>, Vec<_>) = planned.into_iter().partition(destructive);
    for p in stop {
        let item = &group.items[p.item];
        super::decide::note(report, item, super::decide::breaker());
        let outcome = match deps.parked.park(&item.change).await {
            Ok(()) => Outcome::Parked,
            Err(e) => Outcome::Retry(super::prepare::store_error(e)),
        };
        report.set(&item.indexes, outcome);
    }
    go
}
