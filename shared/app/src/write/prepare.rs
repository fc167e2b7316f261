//! Turning each coalesced record change into a planned operation (or an immediate outcome).

use super::batch::{Group, Item};
use super::{ApplyReport, Deps, Outcome, decide, owner, read_back, unbound};
use crate::ports::{Binding, Fields};
use crate::ports::{ParkCause, Verdict};
use crate::settings::{AppSettings, DeleteAction};
use domain::plan::{PlanInput, RecordPlan, owned_views, plan};
use domain::rules::Conflict;
use domain::{
    Actor, Change, Direction, ErrorCode, JingId, ObjectKind, ObjectSpec, Operation, RecordRef,
    SfId, SyncError, Value,
};
use std::collections::BTreeMap;

/// What to do on the target for one record.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Create {
        fields: Fields,
    },
    Update {
        binding: Binding,
        fields: Fields,
    },
    Delete {
        binding: Binding,
    },
    /// A Salesforce lead was converted: bind the opportunity to the JING lead (no remote call).
    Convert {
        binding: Binding,
        opportunity: Option<SfId>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// Position in `group.items`.
    pub item: usize,
    pub op: Op,
    /// Values both sides hold after the write (Salesforce field names).
    pub synced: BTreeMap<String, Value>,
    pub conflicts: Vec<(String, Conflict)>,
    /// Values to write back to the origin record (see `RecordPlan::restore_origin` and
    /// `fill_origin`).
    pub restore: Fields,
    /// Updated per-field views of both sides (see `Binding::views`).
    pub views: Vec<(String, domain::plan::FieldViews)>,
    pub name: String,
}

enum Prepared {
    Planned(Box<Planned>),
    Done(Outcome),
}

pub(crate) async fn prepare(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    report: &mut ApplyReport,
) -> Vec<Planned> {
    let mut planned = Vec::new();
    let bindings = match prefetch(deps, settings, group).await {
        Ok(found) => found,
        Err(e) => {
            for item in &group.items {
                report.set(&item.indexes, Outcome::Retry(store_error(e.clone())));
            }
            return planned;
        }
    };
    for ((i, item), binding) in group.items.iter().enumerate().zip(bindings) {
        match prepare_one(deps, settings, group, (i, item), binding, report).await {
            Ok(Prepared::Planned(p)) => planned.push(*p),
            Ok(Prepared::Done(outcome)) => report.set(&item.indexes, outcome),
            Err(e) => {
                let outcome = super::commit::failure_outcome(deps, settings, group, item, e).await;
                report.set(&item.indexes, outcome);
            }
        }
    }
    planned
}

async fn prepare_one(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    (i, item): (usize, &Item),
    binding: Option<Binding>,
    report: &mut ApplyReport,
) -> Result<Prepared, SyncError> {
    let change = &item.change;
    if is_echo(change) {
        return skip(report, item, Verdict::Echo);
    }
    let Some(obj) = settings
        .object(group.object)
        .filter(|_| group.object != ObjectKind::Member)
    else {
        return skip(report, item, decide::trigger_off("object"));
    };
    let rules = obj.rules(group.direction);
    // A snapshot of a record we saved but have not bound yet is our own creation in flight.
    if change.actor == Actor::IntegrationSnapshot && binding.is_none() {
        return skip(report, item, Verdict::Echo);
    }
    let name = display_name(group.object, change, binding.as_ref());
    let planned = |op, plan: RecordPlan<'_>| {
        Ok(Prepared::Planned(Box::new(Planned {
            item: i,
            op,
            synced: plan.synced.into_map(),
            conflicts: plan.conflicts,
            restore: plan.restore_origin,
            views: owned_views(plan.views),
            name: name.clone(),
        })))
    };
    match &change.op {
        _ if settings.is_paused(group.object, group.direction) => {
            match deps.parked.park(change).await {
                // A paused direction keeps its changes until an admin resumes it.
                Ok(()) => {
                    let paused = Verdict::Parked {
                        cause: ParkCause::Paused,
                        code: None,
                    };
                    decide::note(report, item, paused);
                    Ok(Prepared::Done(Outcome::Parked))
                }
                Err(e) => Err(store_error(e)),
            }
        }
        Operation::Delete => match binding {
            Some(b)
                if rules.on_delete == DeleteAction::Delete
                    && settings.direction_open(group.object, group.direction) =>
            {
                planned(Op::Delete { binding: b }, RecordPlan::default())
            }
            // Nothing bound: nothing to delete on the other side.
            None => skip(report, item, Verdict::Unchanged { conflicts: vec![] }),
            Some(_) => skip(report, item, decide::trigger_off("delete")),
        },
        Operation::Convert { opportunity, .. } => match binding {
            Some(b) => planned(
                Op::Convert {
                    binding: b,
                    opportunity: opportunity.clone(),
                },
                RecordPlan::default(),
            ),
            None => skip(report, item, Verdict::Unchanged { conflicts: vec![] }),
        },
        Operation::Upsert => {
            if !settings.direction_open(group.object, group.direction) {
                return skip(report, item, decide::trigger_off("direction"));
            }
            if !rules.on_upsert {
                return skip(report, item, decide::trigger_off("create_update"));
            }
            if binding.as_ref().is_some_and(|b| b.converted_to.is_some())
                && group.direction == Direction::JingToSf
            {
                // Never update a converted lead: updates follow the opportunity binding.
                return skip(report, item, decide::trigger_off("converted"));
            }
            let now = deps.clock.now();
            if binding.is_none()
                && let Some(verdict) = unbound::decide(settings, group, &rules.scope, change, now)?
            {
                return skip(report, item, verdict);
            }
            let mut plan = plan_upsert(
                deps,
                settings,
                group,
                change,
                binding.as_ref(),
                false,
                report,
            )
            .await?;
            let read = match read_back::needed(item, plan.ambiguous) {
                true => read_back::read_back(deps, settings, group, change).await?,
                false => None,
            };
            let change = match &read {
                Some(now) => {
                    plan = plan_upsert(deps, settings, group, now, binding.as_ref(), true, report)
                        .await?;
                    now
                }
                None => change,
            };
            tracing::debug!(
                record = change.record.as_str(),
                direction = ?group.direction,
                source_time = %change.source_time,
                // Field names only (blank ones marked): values are personal data.
                writes = ?field_names(plan.writes.iter()),
                skipped = ?plan.skipped,
                restore = ?field_names(plan.restore_origin.iter().map(|(k, v)| (k.as_str(), v))),
                fill = ?field_names(plan.fill_origin.iter().map(|(k, v)| (k.as_str(), v))),
                "Planned."
            );
            // The origin gets its own value back (owners untranslated).
            for (field, value) in plan.restore_origin.iter_mut() {
                if let Some(original) = change.fields.get(field) {
                    *value = original.after.clone();
                }
            }
            let fills = std::mem::take(&mut plan.fill_origin);
            plan.restore_origin.extend(fills);
            settle_origin(change, &mut plan);
            if plan.writes.is_empty() && plan.restore_origin.is_empty() {
                // Nothing to write, but what the origin now holds is worth remembering.
                if let Some(b) = &binding {
                    let views = owned_views(std::mem::take(&mut plan.views));
                    super::commit::remember_views(deps, b, &views).await?;
                }
                // A lost conflict writes nothing but still belongs in the ledger.
                super::commit::record_conflicts(
                    deps,
                    settings,
                    group,
                    change,
                    &plan.conflicts,
                    report,
                )
                .await;
                let conflicts = plan.conflicts.iter().map(|(f, _)| f.clone()).collect();
                return skip(report, item, Verdict::Unchanged { conflicts });
            }
            match binding {
                Some(b) => planned(
                    Op::Update {
                        binding: b,
                        fields: std::mem::take(&mut plan.writes).into_map(),
                    },
                    plan,
                ),
                None => {
                    let fields = creation_fields(
                        settings,
                        group,
                        std::mem::take(&mut plan.writes).into_map(),
                    )?;
                    planned(Op::Create { fields }, plan)
                }
            }
        }
    }
}

/// Nothing to write, for the reason the log will show.
fn skip(report: &mut ApplyReport, item: &Item, verdict: Verdict) -> Result<Prepared, SyncError> {
    decide::note(report, item, verdict);
    Ok(Prepared::Done(Outcome::Skipped))
}

/// Our own writes coming back are echoes: never written again. Deletes are exempt: a delete
/// of ours removes its binding first, so the echo finds nothing to do anyway, while a
/// person's delete may carry the last modifier (us) rather than who deleted.
fn is_echo(change: &Change) -> bool {
    change.actor == Actor::Integration && change.op != Operation::Delete
}

/// Records skipped before their binding is read: echoes, and members (bound elsewhere, by
/// member matching).
fn skipped_unread(group: &Group, change: &Change) -> bool {
    is_echo(change) || group.object == ObjectKind::Member
}

/// The bindings of the group's records, in one read (one request on DynamoDB, not one per
/// record); `None` for records that are skipped without one.
async fn prefetch(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
) -> Result<Vec<Option<Binding>>, crate::ports::StoreError> {
    let wanted: Vec<(usize, RecordRef)> = group
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| !skipped_unread(group, &item.change))
        .map(|(i, item)| (i, item.change.record.clone()))
        .collect();
    let mut found = vec![None; group.items.len()];
    if wanted.is_empty() || settings.object(group.object).is_none() {
        return Ok(found);
    }
    let records: Vec<RecordRef> = wanted.iter().map(|(_, r)| r.clone()).collect();
    let read = deps
        .bindings
        .by_records(&settings.app, group.object, &records)
        .await?;
    for ((i, _), binding) in wanted.into_iter().zip(read) {
        found[i] = binding;
    }
    Ok(found)
}

pub(crate) fn store_error(e: crate::ports::StoreError) -> SyncError {
    SyncError::new(ErrorCode::RemoteUnavailable).detail(format!("local store: {e}"))
}

/// Check, translate owners and plan an upsert (`fresh_read`: see `PlanInput::fresh_read`).
async fn plan_upsert<'s>(
    deps: &Deps<'_>,
    settings: &'s AppSettings,
    group: &Group,
    change: &Change,
    binding: Option<&Binding>,
    fresh_read: bool,
    report: &mut ApplyReport,
) -> Result<RecordPlan<'s>, SyncError> {
    check_association(deps, settings, group, change).await?;
    let incoming = owner::translate(deps, settings, group, change, report).await?;
    let now = deps.clock.now();
    let mut plan = plan_record(now, settings, group, change, &incoming, binding, fresh_read);
    owner::translate_writes(deps, settings, group, &mut plan, report).await?;
    Ok(plan)
}

fn plan_record<'s>(
    now: time::OffsetDateTime,
    settings: &'s AppSettings,
    group: &Group,
    change: &Change,
    incoming: &BTreeMap<String, domain::FieldChange>,
    binding: Option<&Binding>,
    fresh_read: bool,
) -> RecordPlan<'s> {
    let mapping = &settings.objects[&group.object].mapping;
    let origin = group.direction.origin();
    // A change made before our last write of the other side's change was concurrent with it.
    let concurrent = binding
        .is_some_and(|b| b.last_origin == Some(origin.other()) && change.source_time < b.synced_at);
    plan(&PlanInput {
        direction: group.direction,
        direction_enabled: true,
        mapping,
        incoming,
        incoming_at: change.source_time,
        last_synced: binding.map(|b| &b.last_synced),
        // The planner knows the target from the binding's views and last synced values.
        target_current: None,
        target_changed_at: binding.and_then(|b| b.source_time),
        concurrent,
        field_sync: binding.map(|b| &b.field_sync),
        views: binding.map(|b| &b.views),
        now,
        own_save: change.actor == Actor::IntegrationSnapshot,
        fresh_read,
    })
}

/// Creates carry the business type on JING and must have the target's required fields.
fn creation_fields(
    settings: &AppSettings,
    group: &Group,
    mut fields: Fields,
) -> Result<Fields, SyncError> {
    let spec = ObjectSpec::of(group.object);
    if group.direction == Direction::SfToJing {
        if let Some(bt) = &settings.objects[&group.object].business_type {
            fields.insert("business_type".into(), Value::text(bt.clone()));
        }
        for r in spec.jing_required {
            if fields.get(*r).is_none_or(Value::is_empty) {
                return Err(SyncError::new(ErrorCode::RequiredValueMissing)
                    .field(*r)
                    .object(spec.jing_object));
            }
        }
    }
    Ok(fields)
}

/// Lead–account association check: a JING lead's account must be bound in Salesforce.
async fn check_association(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &Change,
) -> Result<(), SyncError> {
    let account_sync = settings.object(ObjectKind::Account).is_some();
    if !settings.association_check
        || !account_sync
        || group.object != ObjectKind::Lead
        || group.direction != Direction::JingToSf
    {
        return Ok(());
    }
    let Some(Value::Text(account)) = change.fields.get("account_id").map(|f| &f.after) else {
        return Ok(());
    };
    let Ok(account) = JingId::parse(account) else {
        return Err(SyncError::new(ErrorCode::AccountNotFound).object("Lead"));
    };
    match deps
        .bindings
        .by_jing(&settings.app, ObjectKind::Account, &account)
        .await
    {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(SyncError::new(ErrorCode::AccountNotFound)
            .object("Lead")
            .detail(account.to_string())),
        Err(e) => Err(store_error(e)),
    }
}

/// A human-readable name for status lists, from the change alone.
pub(crate) fn display_name_of(object: ObjectKind, change: &Change) -> String {
    display_name(object, change, None)
}

/// A human-readable name for status lists (name fields of the object, else the id).
fn display_name(object: ObjectKind, change: &Change, binding: Option<&Binding>) -> String {
    const NAME_FIELDS: [&str; 6] = [
        "name",
        "LastName",
        "Name",
        "company_id",
        "Company",
        "opportunity_name",
    ];
    let from_change =
        NAME_FIELDS
            .iter()
            .find_map(|f| match change.fields.get(*f).map(|c| &c.after) {
                Some(Value::Text(s)) => Some(s.to_string()),
                _ => None,
            });
    from_change
        .or_else(|| binding.map(|b| b.name.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| format!("{object} {}", change.record.as_str()))
}

/// `["Email", "Phone=∅"]`: which fields a plan writes, and which of them it blanks, without
/// their values (logs never hold record values).
fn field_names<'v>(values: impl Iterator<Item = (&'v str, &'v domain::Value)>) -> Vec<String> {
    values
        .map(|(k, v)| {
            if v.is_empty() {
                format!("{k}=∅")
            } else {
                k.to_owned()
            }
        })
        .collect()
}

/// An admin's settlement is the value both sides keep: where it is written to the target,
/// the origin gets it too (it may hold the value the conflict kept over it before).
fn settle_origin(change: &domain::Change, plan: &mut RecordPlan<'_>) {
    if !matches!(change.actor, Actor::Admin(_)) || plan.writes.is_empty() {
        return;
    }
    for (field, c) in &change.fields {
        plan.restore_origin
            .entry(field.clone())
            .or_insert_with(|| c.after.clone());
    }
}
