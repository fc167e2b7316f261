//! Claiming a group's records before planning them: one writer per record at a time, and a
//! create whose earlier attempt ended without a known outcome (the process died, the call
//! timed out) is told so, so the writer looks for the record that attempt may have made
//! instead of making another. See docs/storage.md "One writer per record".

use super::batch::Group;
use super::prepare::store_error;
use super::{ApplyReport, Deps, Outcome};
use crate::ports::ClaimState;
use crate::settings::AppSettings;
use domain::{ErrorCode, SyncError};
use std::borrow::Cow;
use std::collections::HashSet;

/// How long a claim keeps other writers off a record: longer than one Lambda invocation (the
/// writer's timeout is 120 s), so a live writer is never overtaken; a dead one's records are
/// free again after it (serve frees them at once when it restarts).
pub(crate) const LEASE: time::Duration = time::Duration::seconds(150);

/// The records of a group this writer holds.
pub(crate) struct Claimed<'g> {
    /// The group without the records another writer holds.
    pub group: Cow<'g, Group>,
    /// Items (of `group`) an earlier attempt claimed and did not settle.
    pub retried: HashSet<usize>,
    keys: Vec<String>,
}

fn record_key(group: &Group, i: usize) -> String {
    let r = &group.items[i].change.record;
    format!("{}#{}#{}", group.object, r.side().as_str(), r.as_str())
}

/// Claim every record of `group`; records another writer holds are retried later.
pub(crate) async fn claim<'g>(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &'g Group,
    report: &mut ApplyReport,
) -> Option<Claimed<'g>> {
    let keys: Vec<String> = (0..group.items.len())
        .map(|i| record_key(group, i))
        .collect();
    let now = deps.clock.now();
    let states = match deps
        .claims
        .claim_records(&settings.app, &keys, now, now + LEASE)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            for item in &group.items {
                report.set(&item.indexes, Outcome::Retry(store_error(e.clone())));
            }
            return None;
        }
    };
    if !states.contains(&ClaimState::Busy) {
        let retried = retried(&states);
        return Some(Claimed {
            group: Cow::Borrowed(group),
            retried,
            keys,
        });
    }
    let mut held = Group::new(group.object, group.direction, Vec::new());
    let mut held_keys = Vec::new();
    let mut held_states = Vec::new();
    for ((item, key), state) in group.items.iter().zip(keys).zip(states) {
        if state == ClaimState::Busy {
            report.set(
                &item.indexes,
                Outcome::Retry(SyncError::new(ErrorCode::RecordBusy)),
            );
        } else {
            held.items.push(item.clone());
            held_keys.push(key);
            held_states.push(state);
        }
    }
    Some(Claimed {
        retried: retried(&held_states),
        group: Cow::Owned(held),
        keys: held_keys,
    })
}

fn retried(states: &[ClaimState]) -> HashSet<usize> {
    states
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, ClaimState::Retried { .. }))
        .map(|(i, _)| i)
        .collect()
}

/// Settle the claims: a record whose outcome is a retry may have been written (a call that
/// failed in flight), so its claim is kept with the lease ended and the next attempt looks for
/// it; every other claim is forgotten. A failure here costs at most one lookup later.
pub(crate) async fn settle(
    deps: &Deps<'_>,
    settings: &AppSettings,
    claimed: &Claimed<'_>,
    report: &ApplyReport,
) {
    let (mut keep, mut done) = (Vec::new(), Vec::new());
    for (item, key) in claimed.group.items.iter().zip(&claimed.keys) {
        let uncertain = item
            .indexes
            .first()
            .is_some_and(|i| matches!(report.outcomes[*i], Outcome::Retry(_)));
        if uncertain {
            keep.push(key.clone());
        } else {
            done.push(key.clone());
        }
    }
    let app = &settings.app;
    if let Err(e) = deps.claims.finish_records(app, &done).await {
        tracing::warn!(app_id = %app, error = %e, "Could not forget settled claims.");
    }
    let now = deps.clock.now();
    if let Err(e) = deps.claims.release_records(app, &keep, now).await {
        tracing::warn!(app_id = %app, error = %e, "Could not end the leases of retried records.");
    }
}
