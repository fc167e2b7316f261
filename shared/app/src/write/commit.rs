//! Recording outcomes: bindings (before the next change of the same record can be applied),
//! the success list, the error list, the conflict ledger, the change journal, parked changes.

use super::batch::{Group, Item};
use super::execute::{Done, Execution};
use super::prepare::{Op, Planned, store_error};
use super::{ApplyReport, Deps, Outcome};
use crate::ports::{Binding, ConflictEntry, ErrorRecord, JournalEntry, SyncedRecord};
use crate::settings::AppSettings;
use domain::fingerprint::fingerprint;
use domain::{JingId, NextStep, ObjectKind, RecordRef, SfId, Side, SyncError};
use std::collections::BTreeMap;

pub(crate) async fn commit(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    executed: Execution,
    report: &mut ApplyReport,
) {
    let mut after = AfterSync::default();
    let mut binds = super::bind::Binds::default();
    let reason = executed.park_reason.as_ref();
    for ex in executed.done {
        let item_index = ex.planned.item;
        let item = &group.items[item_index];
        if let Ok(done) = &ex.result {
            super::decide::note(report, item, synced_verdict(&ex.planned, done));
        }
        let outcome = match ex.result {
            Ok(done) => {
                let success = record_success(deps, settings, group, ex.planned, done, report);
                match success.await {
                    Ok(Recorded::Bind(bind)) => {
                        // Its outcome is set once the group's bindings are written.
                        binds.push(*bind);
                        continue;
                    }
                    Ok(Recorded::Written(mut written)) => {
                        written
                            .record(deps, settings, group, report, &mut after)
                            .await;
                        after.applied.push(item_index);
                        Outcome::Applied
                    }
                    Ok(Recorded::Nothing) => Outcome::Applied,
                    Err(e) => Outcome::Retry(e),
                }
            }
            Err(Outcome::Failed(e)) => failure_outcome(deps, settings, group, item, e).await,
            Err(Outcome::Parked) => match reason {
                Some(why) => {
                    super::decide::note(report, item, super::decide::parked_by(why));
                    park_listed(deps, settings, group, item, why).await
                }
                None => park(deps, item).await,
            },
            Err(other) => other,
        };
        report.set(&item.indexes, outcome);
    }
    binds.write(deps, settings, group, report, &mut after).await;
    after.flush(deps, settings, group, report).await;
}

/// What the records written by one group leave behind, written together once the group is
/// done (a few batched requests instead of three per record): the success list, the errors
/// that clear, the journal.
#[derive(Default)]
pub(super) struct AfterSync {
    synced: Vec<SyncedRecord>,
    cleared: Vec<String>,
    journal: Vec<JournalEntry>,
    /// Items (of the group) whose outcome depends on the success list and the cleared errors.
    pub applied: Vec<usize>,
}

impl AfterSync {
    async fn flush(
        self,
        deps: &Deps<'_>,
        settings: &AppSettings,
        group: &Group,
        report: &mut ApplyReport,
    ) {
        let recorded = match deps.synced.record_all(&self.synced).await {
            Ok(()) => {
                deps.errors
                    .clear_all(&settings.app, group.object, &self.cleared)
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = recorded {
            // The bindings are written: a retry finds nothing left to write and records these.
            for &i in &self.applied {
                let indexes = &group.items[i].indexes;
                report.set(indexes, Outcome::Retry(store_error(e.clone())));
            }
        }
        if !self.journal.is_empty()
            && let Err(e) = deps.ledger.journal(&self.journal).await
        {
            tracing::error!(app_id = %settings.app, error = %e, "Could not write the change journal.");
        }
    }
}

/// What a successful write did, and the fields it wrote.
fn synced_verdict(p: &Planned, done: &Done) -> crate::ports::Verdict {
    use crate::ports::SyncedOp;
    let op = match (&p.op, done) {
        (_, Done::Staged) => SyncedOp::Staged,
        (_, Done::BoundExisting(_)) => SyncedOp::Bound,
        (Op::Create { .. }, _) => SyncedOp::Created,
        (Op::Delete { .. }, _) => SyncedOp::Deleted,
        (Op::Convert { .. }, _) => SyncedOp::Converted,
        (Op::Update { .. }, _) => SyncedOp::Updated,
    };
    crate::ports::Verdict::Synced {
        op,
        fields: p.synced.keys().cloned().collect(),
    }
}

async fn park(deps: &Deps<'_>, item: &Item) -> Outcome {
    match deps.parked.park(&item.change).await {
        Ok(()) => Outcome::Parked,
        Err(e) => Outcome::Retry(store_error(e)),
    }
}

/// Park a change the quota or the authorization stopped, and list it among the failures
/// (category quota or authorization, with cause and fix) until it goes through.
pub(super) async fn park_listed(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    item: &Item,
    why: &SyncError,
) -> Outcome {
    let outcome = park(deps, item).await;
    if matches!(outcome, Outcome::Parked)
        && let Err(e) = deps
            .errors
            .record(&error_record(deps, settings, group, item, why).await)
            .await
    {
        tracing::warn!(app_id = %settings.app, error = %e, "Could not list a parked change.");
    }
    outcome
}

async fn error_record(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    item: &Item,
    error: &SyncError,
) -> ErrorRecord {
    let now = deps.clock.now();
    let key = item.change.record.as_str().to_owned();
    let previous = deps
        .errors
        .get(&settings.app, group.object, &key)
        .await
        .ok()
        .flatten();
    ErrorRecord {
        app: settings.app.clone(),
        object: group.object,
        record_key: key,
        name: super::prepare::display_name_of(group.object, &item.change),
        error: error.clone(),
        count: previous.as_ref().map_or(1, |p| p.count + 1),
        first_seen: previous.map_or(now, |p| p.first_seen),
        last_seen: now,
        change: Some(item.change.clone()),
    }
}

/// Record a permanent failure in the error list (or hand back a retry/park outcome).
pub(crate) async fn failure_outcome(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    item: &Item,
    error: SyncError,
) -> Outcome {
    match error.next_step() {
        NextStep::Retry => return Outcome::Retry(error),
        NextStep::Park | NextStep::Reauthorize => return park(deps, item).await,
        NextStep::Record => {}
    }
    let rec = error_record(deps, settings, group, item, &error).await;
    if let Err(e) = deps.errors.record(&rec).await {
        return Outcome::Retry(store_error(e));
    }
    tracing::info!(app_id = %settings.app, object = %group.object, code = ?error.code, "Record failed.");
    Outcome::Failed(error)
}

/// What a successful write leaves to record.
pub(super) enum Recorded {
    /// A binding to write with the group's others (one store call for the group).
    Bind(Box<super::bind::Bind>),
    /// The binding is already written (deletes and conversions): the rest is left to record.
    Written(Box<Written>),
    /// Nothing is bound (staged for an ingest job, or nothing was created).
    Nothing,
}

/// A synced record whose binding is written: what the ledger, the journal, the success list
/// and the error list are told about it.
pub(super) struct Written {
    pub planned: Planned,
    pub before: BTreeMap<String, domain::Value>,
    /// Status lists show one row per bound pair: keyed by the Salesforce id.
    pub pair: (String, String),
    /// When it synced (the binding's `synced_at`).
    pub at: time::OffsetDateTime,
}

async fn record_success(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    mut p: Planned,
    done: Done,
    report: &mut ApplyReport,
) -> Result<Recorded, SyncError> {
    use super::bind::{Bind, Counter};
    // Moved into the binding rather than copied: nothing reads them afterwards.
    let views = std::mem::take(&mut p.views);
    let change = &group.items[p.item].change;
    let now = deps.clock.now();
    let origin = group.direction.origin();
    let (binding, expected, before, counter) = match (&p.op, &done) {
        (Op::Create { .. }, Done::Created(target)) => {
            let mut b = new_binding(settings, group.object, &change.record, target, now)?;
            finish(&mut b, &p, views, change, origin, now);
            // A new record holds nothing in the fields we did not write: both sides are empty
            // there (owners excepted: the target assigns its default; do-not-sync fields are
            // each side's own).
            for m in &settings.objects[&group.object].mapping {
                if m.rule != domain::FieldRule::DoNotSync
                    && m.sf_type != domain::FieldType::Reference
                {
                    b.last_synced
                        .entry(m.sf_field.clone())
                        .or_insert(domain::Value::Empty);
                }
            }
            (b, None, BTreeMap::new(), Counter::Created)
        }
        (Op::Update { binding, .. }, Done::BoundExisting(_)) => {
            let mut b = binding.clone();
            b.version = 1;
            finish(&mut b, &p, views, change, origin, now);
            (b, None, BTreeMap::new(), Counter::BoundExisting)
        }
        (Op::Update { binding, .. }, _) => {
            let mut b = binding.clone();
            let before = p
                .synced
                .keys()
                .filter_map(|k| Some((k.clone(), b.last_synced.get(k)?.clone())))
                .collect();
            b.version += 1;
            finish(&mut b, &p, views, change, origin, now);
            (b, Some(binding.version), before, Counter::Updated)
        }
        (Op::Delete { binding }, _) => {
            let before = binding.last_synced.clone();
            let pair = (binding.sf_id.to_string(), binding.jing_id.to_string());
            deps.bindings
                .remove(&settings.app, group.object, &binding.sf_id)
                .await
                .map_err(store_error)?;
            report.counts.deleted += 1;
            let written = Written {
                planned: p,
                before,
                pair,
                at: now,
            };
            return Ok(Recorded::Written(Box::new(written)));
        }
        (
            Op::Convert {
                binding,
                opportunity,
                ..
            },
            _,
        ) => {
            let pair = (binding.sf_id.to_string(), binding.jing_id.to_string());
            if convert(deps, settings, binding, opportunity.as_ref(), now).await?
                && let Some(opp) = opportunity
            {
                report.converted.push(opp.clone());
            }
            let before = BTreeMap::new();
            return Ok(Recorded::Written(Box::new(Written {
                planned: p,
                before,
                pair,
                at: now,
            })));
        }
        (Op::Create { .. }, Done::Staged) => {
            report.counts.staged += 1;
            return Ok(Recorded::Nothing);
        }
        (Op::Create { .. }, _) => return Ok(Recorded::Nothing),
    };
    let pair = (binding.sf_id.to_string(), binding.jing_id.to_string());
    Ok(Recorded::Bind(Box::new(Bind {
        binding,
        expected,
        counter,
        written: Written {
            planned: p,
            before,
            pair,
            at: now,
        },
    })))
}

impl Written {
    /// Tell the ledger, the journal, the success list and the error list (the last three in
    /// batches, by `AfterSync::flush`).
    pub(super) async fn record(
        &mut self,
        deps: &Deps<'_>,
        settings: &AppSettings,
        group: &Group,
        report: &mut ApplyReport,
        after: &mut AfterSync,
    ) {
        let p = &mut self.planned;
        let change = &group.items[p.item].change;
        let now = self.at;
        record_conflicts(deps, settings, group, change, &p.conflicts, report).await;
        after.journal.push(JournalEntry {
            app: settings.app.clone(),
            object: group.object,
            record_key: change.record.as_str().to_owned(),
            direction: group.direction,
            before: std::mem::take(&mut self.before),
            after: std::mem::take(&mut p.synced),
            at: now,
        });
        after.synced.push(SyncedRecord {
            app: settings.app.clone(),
            object: group.object,
            record_key: self.pair.0.clone(),
            name: p.name.clone(),
            synced_at: now,
        });
        // The record synced: its errors clear, whichever side they were recorded under (the
        // origin's id is one of the pair's two).
        let (sf, jing) = std::mem::take(&mut self.pair);
        after.cleared.extend([sf, jing]);
    }
}

/// Put conflicts in the ledger (best effort: the ledger is informational).
pub(crate) async fn record_conflicts(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    change: &domain::Change,
    conflicts: &[(String, domain::rules::Conflict)],
    report: &mut ApplyReport,
) {
    for (field, conflict) in conflicts {
        let entry = ConflictEntry {
            app: settings.app.clone(),
            object: group.object,
            record_key: change.record.as_str().to_owned(),
            field: field.clone(),
            conflict: conflict.clone(),
            at: deps.clock.now(),
            direction: Some(group.direction),
            settled: None,
        };
        match deps.ledger.add_conflict(&entry).await {
            Ok(()) => report.counts.conflicts += 1,
            Err(e) => {
                tracing::warn!(app_id = %settings.app, error = %e, "Could not record a conflict.")
            }
        }
    }
}

/// Store the views of a change that wrote nothing (a held-back edit, an "unknown" blank).
/// A concurrent update of the binding makes the change retry: it is planned again on the
/// newer binding rather than overwriting it.
pub(crate) async fn remember_views(
    deps: &Deps<'_>,
    binding: &Binding,
    views: &[(String, domain::plan::FieldViews)],
) -> Result<(), SyncError> {
    if views.is_empty() {
        return Ok(());
    }
    let mut b = binding.clone();
    b.version += 1;
    b.views.extend(views.iter().cloned());
    deps.bindings
        .put(&b, Some(binding.version))
        .await
        .map_err(store_error)
}

/// Merge what was written into the binding's last synced state.
fn finish(
    b: &mut Binding,
    p: &Planned,
    views: Vec<(String, domain::plan::FieldViews)>,
    change: &domain::Change,
    origin: Side,
    now: time::OffsetDateTime,
) {
    for (k, v) in &p.synced {
        b.last_synced.insert(k.clone(), v.clone());
    }
    b.views.extend(views);
    let fp = Some(fingerprint(p.synced.iter().map(|(k, v)| (k.as_str(), v))));
    match origin {
        Side::Salesforce => b.jing_written = fp,
        Side::Jing => b.sf_written = fp,
    }
    b.synced_at = now;
    b.last_origin = Some(origin);
    b.source_time = Some(change.source_time);
    for field in p.synced.keys() {
        let fs = domain::plan::FieldSync {
            origin,
            source_time: change.source_time,
            synced_at: now,
        };
        b.field_sync.insert(field.clone(), fs);
    }
    if !p.name.is_empty() {
        b.name = p.name.clone();
    }
}

fn new_binding(
    settings: &AppSettings,
    object: ObjectKind,
    origin: &RecordRef,
    target: &str,
    now: time::OffsetDateTime,
) -> Result<Binding, SyncError> {
    let bad = |what: &str| {
        SyncError::new(domain::ErrorCode::InvalidValue)
            .detail(format!("target returned a bad {what} id"))
    };
    let (sf, jing) = match origin {
        RecordRef::Jing(j) => (
            SfId::parse(target).map_err(|_| bad("Salesforce"))?,
            j.clone(),
        ),
        RecordRef::Salesforce(s) => (s.clone(), JingId::parse(target).map_err(|_| bad("JING"))?),
    };
    Ok(Binding::new(settings.app.clone(), object, sf, jing, now))
}

/// A converted lead: updates follow the opportunity, bound to the same JING lead.
/// Mark the lead's binding converted and bind the opportunity to the JING lead; `true` when
/// the opportunity was bound just now (its values are read in the same apply).
async fn convert(
    deps: &Deps<'_>,
    settings: &AppSettings,
    lead: &Binding,
    opportunity: Option<&SfId>,
    now: time::OffsetDateTime,
) -> Result<bool, SyncError> {
    let mut b = lead.clone();
    b.converted_to = opportunity.cloned();
    b.version += 1;
    deps.bindings
        .put(&b, Some(lead.version))
        .await
        .map_err(store_error)?;
    if let Some(opp) = opportunity {
        let mut ob = Binding::new(
            settings.app.clone(),
            ObjectKind::Opportunity,
            opp.clone(),
            lead.jing_id.clone(),
            now,
        );
        ob.name = lead.name.clone();
        return match deps.bindings.put(&ob, None).await {
            Ok(()) => Ok(true),
            Err(crate::ports::StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(store_error(e)),
        };
    }
    Ok(false)
}
