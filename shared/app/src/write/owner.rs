//! Owner fields travel through member bindings (Salesforce user ⇄ JING employee).

use super::batch::Group;
use super::prepare::store_error;
use super::{ApplyReport, Deps};
use crate::settings::AppSettings;
use domain::{Change, FieldChange, FieldType, JingId, ObjectKind, SfId, Side, SyncError, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The change's fields with every owner/lookup to a member replaced by the other side's id.
/// An owner without a member binding is dropped (the target keeps its owner) and counted as a
/// warning, never a failure. Borrowed when nothing is translated (every Salesforce change, and
/// JING changes without an owner): the writer's per-record path copies no fields for nothing.
pub(crate) async fn translate<'c>(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &'c Change,
    report: &mut ApplyReport,
) -> Result<Cow<'c, BTreeMap<String, FieldChange>>, SyncError> {
    let mut fields = Cow::Borrowed(&change.fields);
    let mapping = &settings.objects[&group.object].mapping;
    let origin = group.direction.origin();
    // Salesforce changes are planned in Salesforce terms (as the binding remembers them); their
    // owners are translated on the way out, by `translate_writes`.
    if origin == Side::Salesforce {
        return Ok(fields);
    }
    for m in mapping
        .iter()
        .filter(|m| m.sf_type == FieldType::Reference && m.jing_type == FieldType::Reference)
    {
        let key = match origin {
            Side::Salesforce => &m.sf_field,
            Side::Jing => &m.jing_field,
        };
        let Some(Value::Text(id)) = fields.get(key).map(|f| f.after.clone()) else {
            continue;
        };
        match member_of(deps, settings, group, origin, &id).await? {
            Some(other) => {
                fields.to_mut().insert(
                    key.clone(),
                    FieldChange {
                        before: None,
                        after: Value::Text(other.into()),
                    },
                );
            }
            None => {
                fields.to_mut().remove(key);
                report.counts.owner_warnings += 1;
                tracing::warn!(app_id = %settings.app, object = %group.object, "Owner has no member binding; target owner kept.");
            }
        }
    }
    Ok(fields)
}

/// The other side's id of the member `id` (on `origin`), read once per group.
async fn member_of(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    origin: Side,
    id: &str,
) -> Result<Option<String>, SyncError> {
    if let Some(known) = group.members.get(origin, id) {
        return Ok(known);
    }
    let other = read_member(deps, settings, origin, id).await?;
    group.members.put(origin, id, other.clone());
    Ok(other)
}

async fn read_member(
    deps: &Deps<'_>,
    settings: &AppSettings,
    origin: Side,
    id: &str,
) -> Result<Option<String>, SyncError> {
    let found = match origin {
        Side::Salesforce => match SfId::parse(id) {
            Ok(sf) => {
                deps.bindings
                    .by_sf(&settings.app, ObjectKind::Member, &sf)
                    .await
            }
            Err(_) => return Ok(None),
        },
        Side::Jing => match JingId::parse(id) {
            Ok(j) => {
                deps.bindings
                    .by_jing(&settings.app, ObjectKind::Member, &j)
                    .await
            }
            Err(_) => return Ok(None),
        },
    };
    let binding = found.map_err(store_error)?;
    Ok(binding.map(|b| match origin {
        Side::Salesforce => b.jing_id.to_string(),
        Side::Jing => b.sf_id.to_string(),
    }))
}

/// Salesforce → JING: translate owner writes (Salesforce user ids) into JING employee ids. An
/// owner without a member binding is not written (the target keeps its owner): a warning.
pub(crate) async fn translate_writes(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    plan: &mut domain::plan::RecordPlan<'_>,
    report: &mut ApplyReport,
) -> Result<(), SyncError> {
    if group.direction.origin() != Side::Salesforce {
        return Ok(());
    }
    let mapping = &settings.objects[&group.object].mapping;
    for m in mapping
        .iter()
        .filter(|m| m.sf_type == FieldType::Reference && m.jing_type == FieldType::Reference)
    {
        let Some(Value::Text(id)) = plan.writes.get(&m.jing_field).cloned() else {
            continue;
        };
        match member_of(deps, settings, group, Side::Salesforce, &id).await? {
            Some(employee) => {
                if let Some(write) = plan.writes.get_mut(&m.jing_field) {
                    *write = Value::Text(employee.into());
                }
            }
            None => {
                plan.writes.remove(&m.jing_field);
                plan.synced.remove(&m.sf_field);
                plan.views.retain(|(f, _)| *f != m.sf_field);
                report.counts.owner_warnings += 1;
            }
        }
    }
    Ok(())
}
