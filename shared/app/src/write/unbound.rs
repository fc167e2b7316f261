//! A change of a record not bound yet: may it create the record on the other side now, is it
//! skipped (creation off, out of scope), or does it wait for the record's own creation?

use super::batch::Group;
use super::decide;
use crate::ports::Verdict;
use crate::settings::AppSettings;
use domain::conditions::Scope;
use domain::{Change, Direction, ErrorCode, ObjectSpec, SyncError, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// `Ok(None)`: create it. `Ok(Some(verdict))`: skip it, for that reason. `Err(CreatePending)`:
/// an edit that overtook the record's creation; delivered again (transient).
pub(super) fn decide(
    settings: &AppSettings,
    group: &Group,
    scope: &Scope,
    change: &Change,
    now: OffsetDateTime,
) -> Result<Option<Verdict>, SyncError> {
    let allowed = may_create(group, &Scope::all(), change, now);
    let young = now - change.source_time < CREATE_WAIT;
    if let Some(field) = (allowed && young)
        .then(|| partial_edit(settings, group, change))
        .flatten()
    {
        // Its scope cannot be judged on the changed fields alone either.
        return Err(SyncError::new(ErrorCode::CreatePending)
            .field(field)
            .object(target_object(group)));
    }
    if may_create(group, scope, change, now) {
        return Ok(None);
    }
    Ok(Some(match allowed {
        true => decide::out_of_scope(scope, change, now),
        false => decide::trigger_off("create"),
    }))
}

/// New records enter the sync only when creation is allowed and they are in scope.
fn may_create(group: &Group, scope: &Scope, change: &Change, now: OffsetDateTime) -> bool {
    let spec = ObjectSpec::of(group.object);
    let allowed = match group.direction {
        Direction::JingToSf => spec.writable_in_sf,
        Direction::SfToJing => spec.creatable_in_jing,
    };
    let fields: BTreeMap<String, Value> = change
        .fields
        .iter()
        .map(|(k, f)| (k.clone(), f.after.clone()))
        .collect();
    allowed && scope.matches(&fields, now)
}

/// How long an edit of a record not synced yet waits for the record's creation (deliveries
/// reordered by retries or a restart arrive within this). Older, it is planned as it is: an
/// edit of a record that never synced (out of scope, or created before the connector) must
/// not wait a day to become a dead letter.
const CREATE_WAIT: time::Duration = time::Duration::minutes(5);

/// A field the target requires on create that an update delta does not carry at all (JING's
/// update webhooks carry the changed fields only, each with its value before): it is an edit
/// of a record whose creation has not synced yet, not a create. Listings and creates carry
/// whole records (no `before`): a field they lack is missing for real.
fn partial_edit(settings: &AppSettings, group: &Group, change: &Change) -> Option<&'static str> {
    if !change.fields.values().any(|f| f.before.is_some()) {
        return None;
    }
    let spec = ObjectSpec::of(group.object);
    let mapping = &settings.objects.get(&group.object)?.mapping;
    let required = match group.direction {
        Direction::JingToSf => spec.sf_required,
        Direction::SfToJing => spec.jing_required,
    };
    required.iter().copied().find(|field| {
        mapping.iter().any(|m| {
            let (origin, target) = match group.direction {
                Direction::JingToSf => (&m.jing_field, &m.sf_field),
                Direction::SfToJing => (&m.sf_field, &m.jing_field),
            };
            target == field && !change.fields.contains_key(origin)
        })
    })
}

fn target_object(group: &Group) -> &'static str {
    let spec = ObjectSpec::of(group.object);
    match group.direction {
        Direction::JingToSf => spec.sf_object,
        Direction::SfToJing => spec.jing_object,
    }
}
