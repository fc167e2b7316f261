//! Making the writes: pre-flight validation, duplicate pre-check, batched calls, per-record
//! results. A call-level failure decides for the whole call (park on quota, retry on transient).

use super::batch::Group;
use super::prepare::{Op, Planned};
use super::{Deps, Outcome};
use crate::ports::{Fields, RemoteError, WriteResult};
use crate::settings::AppSettings;
use domain::describe::{WriteMode, preflight};
use domain::{Direction, ErrorCode, JingId, NextStep, ObjectSpec, SfId, SyncError, Value};

/// Records per Salesforce sObject Collections call.
pub(crate) const SF_BATCH: usize = 200;
/// Keys per duplicate pre-check query.
pub(crate) const DEDUP_QUERY: usize = 1000;
/// Records per JING batch call.
pub(crate) const JING_BATCH: usize = 100;

/// What a planned operation achieved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Done {
    Created(String),
    /// The target's duplicate rules found this record: bound (and updated) instead of created.
    BoundExisting(String),
    Updated,
    Deleted,
    Converted,
    /// Staged for an initialization ingest job: created (and bound) when the job has run.
    Staged,
}

#[derive(Debug, Clone)]
pub(crate) struct Executed {
    pub planned: Planned,
    pub result: Result<Done, Outcome>,
}

/// What a group's calls came to, and why its parked records were parked (quota, authorization:
/// shown in the failure list until they go through).
pub(crate) struct Execution {
    pub done: Vec<Executed>,
    pub park_reason: Option<SyncError>,
}

pub(crate) async fn execute(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &Group,
    planned: Vec<Planned>,
    retried: &std::collections::HashSet<usize>,
) -> Execution {
    let spec = ObjectSpec::of(group.object);
    let (mut creates, mut updates, mut deletes, mut done) = (vec![], vec![], vec![], vec![]);
    let mut converts = vec![];
    for p in planned {
        match &p.op {
            Op::Create { .. } => creates.push(p),
            Op::Update { .. } => updates.push(p),
            Op::Delete { .. } => deletes.push(p),
            Op::Convert { .. } => converts.push(p),
        }
    }
    let mut target = Target {
        deps,
        settings,
        group,
        spec,
        stop: None,
        park_reason: None,
        retried,
    };
    if group.direction == Direction::JingToSf {
        target
            .preflight_sf(&mut creates, &mut updates, &mut done)
            .await;
    }
    if let Some(store) = super::ingest::staging(deps, settings, group.object, group.direction) {
        let (staged, rest) = creates
            .into_iter()
            .partition(|p| super::ingest::is_staged(group, p));
        super::ingest::stage(store, settings, group, staged, &mut done).await;
        creates = rest;
    }
    let bound = target.dedup(&mut creates, &mut done).await;
    updates.extend(bound);
    target.creates(creates, &mut done).await;
    target.updates(updates, &mut done).await;
    target.deletes(deletes, &mut done).await;
    target.conversions(converts, &mut done).await;
    target.restore_origins(&done).await;
    Execution {
        done,
        park_reason: target.park_reason,
    }
}

struct Target<'a, 'b> {
    deps: &'a Deps<'b>,
    settings: &'a AppSettings,
    group: &'a Group,
    spec: &'static ObjectSpec,
    /// Set by a call-level failure that stops every later call of this group (quota, auth).
    stop: Option<Outcome>,
    /// The error that parked this group's records.
    park_reason: Option<SyncError>,
    /// Items an earlier, unsettled attempt may already have created.
    retried: &'a std::collections::HashSet<usize>,
}

/// The values a create or update carries (deletes and conversions carry none).
fn fields_of(p: &Planned) -> Option<&Fields> {
    match &p.op {
        Op::Create { fields } | Op::Update { fields, .. } => Some(fields),
        _ => None,
    }
}

/// The outcome for every record of a call that failed as a whole.
fn call_failure(e: &RemoteError) -> Outcome {
    match e.next_step() {
        NextStep::Park | NextStep::Reauthorize => Outcome::Parked,
        NextStep::Retry => Outcome::Retry(e.0.clone()),
        NextStep::Record => Outcome::Failed(e.0.clone()),
    }
}

impl Target<'_, '_> {
    fn sf(&self) -> bool {
        self.group.direction == Direction::JingToSf
    }

    fn object(&self) -> &'static str {
        if self.sf() {
            self.spec.sf_object
        } else {
            self.spec.jing_object
        }
    }

    /// Value errors never cost an API call: check against the cached describe first.
    async fn preflight_sf(
        &mut self,
        creates: &mut Vec<Planned>,
        updates: &mut Vec<Planned>,
        done: &mut Vec<Executed>,
    ) {
        let describe = match self.deps.sf.describe(self.spec.sf_object).await {
            Ok(d) => d,
            Err(e) => {
                self.stop_all(&e, creates, done);
                self.stop_all(&e, updates, done);
                return;
            }
        };
        for (list, mode) in [(creates, WriteMode::Create), (updates, WriteMode::Update)] {
            let mut kept = Vec::with_capacity(list.len());
            for p in list.drain(..) {
                let errors =
                    fields_of(&p).map_or_else(Vec::new, |f| preflight(&describe, f, mode, None));
                match errors.into_iter().next() {
                    Some(err) => done.push(Executed {
                        planned: p,
                        result: Err(Outcome::Failed(err)),
                    }),
                    None => kept.push(p),
                }
            }
            *list = kept;
        }
    }

    fn stop_all(&mut self, e: &RemoteError, list: &mut Vec<Planned>, done: &mut Vec<Executed>) {
        let outcome = self.fail(e);
        done.extend(list.drain(..).map(|p| Executed {
            planned: p,
            result: Err(outcome.clone()),
        }));
    }

    /// Consult the target's duplicate key before creating (Salesforce: Lead e-mail, Account
    /// name), so duplicates are bound and updated instead of created. One query per 200.
    async fn dedup(
        &mut self,
        creates: &mut Vec<Planned>,
        done: &mut Vec<Executed>,
    ) -> Vec<Planned> {
        let Some(key) = sf_dedup_field(self.spec.sf_object).filter(|_| self.sf()) else {
            return Vec::new();
        };
        // Backfills merge two populated systems: one query per 200 finds the duplicates far
        // cheaper than one failed create each. Live creates are rarely duplicates: Salesforce's
        // own duplicate rules answer on the create itself, costing nothing extra. A create an
        // earlier attempt may have made (it did not settle) is looked for too.
        let lookup = |p: &Planned| {
            self.group.items[p.item].change.lane == domain::Lane::Backfill
                || self.retried.contains(&p.item)
        };
        let values: Vec<String> = creates
            .iter()
            .filter(|p| lookup(p))
            .filter_map(|p| fields_of(p)?.get(key).and_then(Value::as_text))
            .collect();
        if values.is_empty() {
            return Vec::new();
        }
        let mut matches = Vec::new();
        // One query covers several collections calls' worth of keys (the client splits an IN
        // list that would make the URL too long).
        for chunk in values.chunks(DEDUP_QUERY) {
            match self.deps.sf.find_by(self.spec.sf_object, key, chunk).await {
                Ok(found) => matches.extend(found),
                Err(e) => {
                    self.stop_all(&e, creates, done);
                    return Vec::new();
                }
            }
        }
        let mut bound = Vec::new();
        for p in std::mem::take(creates) {
            let value = fields_of(&p)
                .and_then(|f| f.get(key))
                .and_then(Value::as_text);
            let hit = value.and_then(|v| matches.iter().find(|(_, m)| m.eq_ignore_ascii_case(&v)));
            match hit {
                Some((id, _)) => match self.bound_elsewhere(id.as_str()).await {
                    Ok(None) => bound.push(into_bound_update(p, id.to_string(), self)),
                    Ok(Some(e)) => done.push(Executed {
                        planned: p,
                        result: Err(Outcome::Failed(e)),
                    }),
                    Err(o) => done.push(Executed {
                        planned: p,
                        result: Err(o),
                    }),
                },
                None => creates.push(p),
            }
        }
        bound
    }

    async fn creates(&mut self, creates: Vec<Planned>, done: &mut Vec<Executed>) {
        let mut dup_updates = Vec::new();
        for chunk in chunked(creates, self.batch()) {
            let records: Vec<Fields> = chunk
                .iter()
                .map(|p| fields_of(p).cloned().unwrap_or_default())
                .collect();
            let result = match &self.stop {
                Some(o) => Err(o.clone()),
                None if self.sf() => self.create_sf(&chunk, records).await,
                None => self
                    .deps
                    .jing
                    .create(self.object(), &records)
                    .await
                    .map_err(|e| self.fail(&e)),
            };
            for (p, r) in zip_results(chunk, result) {
                match r {
                    Ok(WriteResult::Ok(id)) => done.push(Executed {
                        planned: p,
                        result: Ok(Done::Created(id)),
                    }),
                    Ok(WriteResult::Duplicate(ids)) if !ids.is_empty() => {
                        match self.bound_elsewhere(&ids[0]).await {
                            Ok(None) => {
                                dup_updates.push(into_bound_update(p, ids[0].clone(), self))
                            }
                            Ok(Some(e)) => done.push(Executed {
                                planned: p,
                                result: Err(Outcome::Failed(e)),
                            }),
                            Err(o) => done.push(Executed {
                                planned: p,
                                result: Err(o),
                            }),
                        }
                    }
                    Ok(WriteResult::Duplicate(_)) => done.push(Executed {
                        planned: p,
                        result: Err(Outcome::Failed(
                            SyncError::new(ErrorCode::InvalidValue)
                                .detail("duplicate rule matched an unknown record"),
                        )),
                    }),
                    Ok(WriteResult::Failed(e)) => done.push(Executed {
                        planned: p,
                        result: Err(record_failure(e)),
                    }),
                    Err(o) => done.push(Executed {
                        planned: p,
                        result: Err(o),
                    }),
                }
            }
        }
        if !dup_updates.is_empty() {
            self.updates(dup_updates, done).await;
        }
    }

    /// Salesforce creates: an upsert on the external-ID field holding the JING id when the app
    /// has one (sent again after an uncertain outcome, it still makes one record), else a
    /// plain create.
    async fn create_sf(
        &mut self,
        chunk: &[Planned],
        mut records: Vec<Fields>,
    ) -> Result<Vec<WriteResult>, Outcome> {
        let external_id = self
            .settings
            .objects
            .get(&self.group.object)
            .and_then(|o| o.sf_external_id.clone());
        let out = match external_id {
            Some(field) => {
                for (p, fields) in chunk.iter().zip(records.iter_mut()) {
                    let source = self.group.items[p.item].change.record.as_str();
                    fields.insert(field.clone(), Value::text(source));
                }
                let object = self.object();
                self.deps.sf.upsert(object, &field, &records).await
            }
            None => self.deps.sf.create(self.object(), &records).await,
        };
        out.map_err(|e| self.fail(&e))
    }

    async fn updates(&mut self, updates: Vec<Planned>, done: &mut Vec<Executed>) {
        // Only the origin is written (a blank filled from the target): no target call — an
        // empty update would still touch the target record and come back as a change.
        let (origin_only, updates): (Vec<Planned>, Vec<Planned>) = updates
            .into_iter()
            .partition(|p| matches!(&p.op, Op::Update { fields, .. } if fields.is_empty()));
        for p in origin_only {
            done.push(Executed {
                planned: p,
                result: Ok(Done::Updated),
            });
        }
        for chunk in chunked(updates, self.batch()) {
            let result = match &self.stop {
                Some(o) => Err(o.clone()),
                None => self.call_update(&chunk).await.map_err(|e| self.fail(&e)),
            };
            for (p, r) in zip_results(chunk, result) {
                let existing = matches!(&p.op, Op::Update { binding, .. } if binding.version == 0);
                let ok = if existing {
                    Done::BoundExisting(bound_target(&p, self.sf()))
                } else {
                    Done::Updated
                };
                done.push(Executed {
                    result: match r {
                        Ok(WriteResult::Ok(_)) => Ok(ok),
                        Ok(WriteResult::Duplicate(_)) => Ok(ok),
                        Ok(WriteResult::Failed(e)) => Err(record_failure(e)),
                        Err(o) => Err(o),
                    },
                    planned: p,
                });
            }
        }
    }

    async fn call_update(&self, chunk: &[Planned]) -> Result<Vec<WriteResult>, RemoteError> {
        if self.sf() {
            let records: Vec<(SfId, Fields)> = chunk
                .iter()
                .filter_map(|p| match &p.op {
                    Op::Update { binding, fields } => Some((binding.sf_id.clone(), fields.clone())),
                    _ => None,
                })
                .collect();
            self.deps.sf.update(self.object(), &records).await
        } else {
            let records: Vec<(JingId, Fields)> = chunk
                .iter()
                .filter_map(|p| match &p.op {
                    Op::Update { binding, fields } => {
                        Some((binding.jing_id.clone(), fields.clone()))
                    }
                    _ => None,
                })
                .collect();
            self.deps.jing.update(self.object(), &records).await
        }
    }

    async fn deletes(&mut self, deletes: Vec<Planned>, done: &mut Vec<Executed>) {
        for chunk in chunked(deletes, self.batch()) {
            let result = match &self.stop {
                Some(o) => Err(o.clone()),
                None if self.sf() => {
                    let ids: Vec<SfId> = chunk
                        .iter()
                        .filter_map(|p| match &p.op {
                            Op::Delete { binding } => Some(binding.sf_id.clone()),
                            _ => None,
                        })
                        .collect();
                    self.deps.sf.delete(&ids).await.map_err(|e| self.fail(&e))
                }
                None => {
                    let ids: Vec<JingId> = chunk
                        .iter()
                        .filter_map(|p| match &p.op {
                            Op::Delete { binding } => Some(binding.jing_id.clone()),
                            _ => None,
                        })
                        .collect();
                    self.deps
                        .jing
                        .invalidate(self.object(), &ids)
                        .await
                        .map_err(|e| self.fail(&e))
                }
            };
            for (p, r) in zip_results(chunk, result) {
                let result = match r {
                    Ok(WriteResult::Failed(e)) => Err(record_failure(e)),
                    Ok(_) => Ok(Done::Deleted),
                    Err(o) => Err(o),
                };
                done.push(Executed { planned: p, result });
            }
        }
    }

    /// A duplicate the target's rules found must not be another pair's record: binding to it
    /// would overwrite that pair's values and then fail to bind. An association error instead
    /// (`Err`: the store failed, retry).
    async fn bound_elsewhere(&self, target_id: &str) -> Result<Option<SyncError>, Outcome> {
        let (app, object) = (&self.settings.app, self.group.object);
        let bound = if self.sf() {
            match SfId::parse(target_id) {
                Ok(id) => self.deps.bindings.by_sf(app, object, &id).await,
                Err(_) => Ok(None),
            }
        } else {
            match JingId::parse(target_id) {
                Ok(id) => self.deps.bindings.by_jing(app, object, &id).await,
                Err(_) => Ok(None),
            }
        };
        let other = bound.map_err(|e| {
            Outcome::Retry(
                SyncError::new(ErrorCode::RemoteUnavailable).detail(format!("bindings: {e}")),
            )
        })?;
        Ok(other.map(|b| {
            SyncError::new(ErrorCode::DuplicateBoundElsewhere)
                .object(self.object())
                .detail(format!(
                    "{target_id} (bound to {} / {})",
                    b.sf_id, b.jing_id
                ))
        }))
    }

    /// A Salesforce conversion marks the bound JING record converted (its spec's field and
    /// value), one batch call per 100, when the Salesforce → JING direction is open. The
    /// opportunity's own values follow in the same apply (`write::conversion`).
    async fn conversions(&mut self, converts: Vec<Planned>, done: &mut Vec<Executed>) {
        let open = self
            .settings
            .direction_open(self.group.object, Direction::SfToJing);
        let Some((field, value)) = self.spec.converted.filter(|_| open && !self.sf()) else {
            done.extend(converts.into_iter().map(|p| Executed {
                planned: p,
                result: Ok(Done::Converted),
            }));
            return;
        };
        for chunk in chunked(converts, JING_BATCH) {
            let records: Vec<(JingId, Fields)> = chunk
                .iter()
                .filter_map(|p| match &p.op {
                    Op::Convert { binding, .. } => Some((
                        binding.jing_id.clone(),
                        [(field.to_owned(), Value::text(value))].into(),
                    )),
                    _ => None,
                })
                .collect();
            let result = match &self.stop {
                Some(o) => Err(o.clone()),
                None => self
                    .deps
                    .jing
                    .update(self.spec.jing_object, &records)
                    .await
                    .map_err(|e| self.fail(&e)),
            };
            for (p, r) in zip_results(chunk, result) {
                let result = match r {
                    Ok(WriteResult::Failed(e)) => Err(record_failure(e)),
                    Ok(_) => Ok(Done::Converted),
                    Err(o) => Err(o),
                };
                done.push(Executed { planned: p, result });
            }
        }
    }

    /// Give the origin back its own newer value where a concurrent change we applied earlier
    /// overwrote it (a conflict the origin won). Best effort: a failure is logged and the next
    /// change of the record repairs it.
    async fn restore_origins(&self, done: &[Executed]) {
        let restores: Vec<(&crate::ports::Binding, &Fields)> = done
            .iter()
            .filter(|e| matches!(e.result, Ok(Done::Updated)) && !e.planned.restore.is_empty())
            .filter_map(|e| match &e.planned.op {
                Op::Update { binding, .. } => Some((binding, &e.planned.restore)),
                _ => None,
            })
            .collect();
        for chunk in restores.chunks(self.batch()) {
            let result = if self.sf() {
                let records: Vec<(JingId, Fields)> = chunk
                    .iter()
                    .map(|(b, f)| (b.jing_id.clone(), (*f).clone()))
                    .collect();
                self.deps
                    .jing
                    .update(self.spec.jing_object, &records)
                    .await
                    .map(|_| ())
            } else {
                let records: Vec<(SfId, Fields)> = chunk
                    .iter()
                    .map(|(b, f)| (b.sf_id.clone(), (*f).clone()))
                    .collect();
                self.deps
                    .sf
                    .update(self.spec.sf_object, &records)
                    .await
                    .map(|_| ())
            };
            if let Err(e) = result {
                tracing::warn!(app_id = %self.settings.app, error = %e, "Could not restore the winning value on the origin.");
            }
        }
    }

    fn batch(&self) -> usize {
        if self.sf() { SF_BATCH } else { JING_BATCH }
    }

    /// A failed call: quota and auth stop the rest of the group (they would fail the same way).
    fn fail(&mut self, e: &RemoteError) -> Outcome {
        let outcome = call_failure(e);
        if matches!(outcome, Outcome::Parked) {
            self.stop = Some(Outcome::Parked);
            self.park_reason.get_or_insert_with(|| e.0.clone());
        }
        outcome
    }
}

fn record_failure(e: SyncError) -> Outcome {
    match e.next_step() {
        NextStep::Retry => Outcome::Retry(e),
        NextStep::Park | NextStep::Reauthorize => Outcome::Parked,
        NextStep::Record => Outcome::Failed(e),
    }
}

/// The duplicate key Salesforce's standard rules match on.
fn sf_dedup_field(object: &str) -> Option<&'static str> {
    match object {
        "Lead" => Some("Email"),
        "Account" => Some("Name"),
        _ => None,
    }
}

/// Turn a create into an update of the existing record the duplicate rules found. The
/// temporary binding (version 0) carries the target id; commit inserts the real binding.
fn into_bound_update(p: Planned, target_id: String, t: &Target<'_, '_>) -> Planned {
    let change = &t.group.items[p.item].change;
    let now = t.deps.clock.now();
    let (sf_id, jing_id) = match (&change.record, t.sf()) {
        (domain::RecordRef::Jing(j), true) => (SfId::parse(&target_id).ok(), Some(j.clone())),
        (domain::RecordRef::Salesforce(s), false) => {
            (Some(s.clone()), JingId::parse(&target_id).ok())
        }
        _ => (None, None),
    };
    let (Some(sf_id), Some(jing_id)) = (sf_id, jing_id) else {
        return p;
    };
    let mut binding =
        crate::ports::Binding::new(t.settings.app.clone(), t.group.object, sf_id, jing_id, now);
    binding.version = 0;
    let fields = match p.op {
        Op::Create { fields } => fields,
        other => return Planned { op: other, ..p },
    };
    Planned {
        op: Op::Update { binding, fields },
        ..p
    }
}

fn bound_target(p: &Planned, sf: bool) -> String {
    match &p.op {
        Op::Update { binding, .. } if sf => binding.sf_id.to_string(),
        Op::Update { binding, .. } => binding.jing_id.to_string(),
        _ => String::new(),
    }
}

fn chunked(list: Vec<Planned>, size: usize) -> Vec<Vec<Planned>> {
    let mut out = Vec::new();
    let mut it = list.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(size).collect());
    }
    out
}

/// Pair each planned record with its result (or the call-level outcome).
fn zip_results(
    chunk: Vec<Planned>,
    result: Result<Vec<WriteResult>, Outcome>,
) -> Vec<(Planned, Result<WriteResult, Outcome>)> {
    match result {
        Ok(results) => {
            let mut results = results.into_iter();
            chunk
                .into_iter()
                .map(|p| {
                    let r = results.next().ok_or_else(|| {
                        Outcome::Retry(
                            SyncError::new(ErrorCode::RemoteUnavailable)
                                .detail("fewer results than records"),
                        )
                    });
                    (p, r)
                })
                .collect()
        }
        Err(o) => chunk.into_iter().map(|p| (p, Err(o.clone()))).collect(),
    }
}
