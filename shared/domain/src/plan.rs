//! Per-record planning: map an incoming change through the field mapping, convert values into
//! the target's terms and resolve every field's rule. The writer's hot path, pure.

use crate::change::FieldChange;
use crate::object::{Direction, Side};
use crate::rules::{self, Conflict, FieldInput, SkipReason, Verdict};
use crate::spec::FieldMapping;
use crate::value::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;

mod compared;
mod convert;
mod fields;
mod outcome;
mod views;
use compared::{Compared, Form, Sources};
pub use convert::convert;
use convert::{convert_cow, normalized_ref};
pub use fields::{FieldValues, owned_views};
use outcome::Outcome;
use views::FieldSeen;
pub use views::{FieldViews, SideView};

/// What the planner needs about one incoming record. The plan borrows the mapping's field names
/// (`'m`), so it may outlive the rest of the input.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a, 'm> {
    pub direction: Direction,
    pub direction_enabled: bool,
    pub mapping: &'m [FieldMapping],
    /// Changed fields keyed by the origin side's field names.
    pub incoming: &'a BTreeMap<String, FieldChange>,
    pub incoming_at: OffsetDateTime,
    /// Values at the last sync, keyed by Salesforce field name (from the binding).
    pub last_synced: Option<&'a BTreeMap<String, Value>>,
    /// The target's current values keyed by the target's field names, when known better than
    /// by the views and the last synced values (otherwise those stand in).
    pub target_current: Option<&'a BTreeMap<String, Value>>,
    pub target_changed_at: Option<OffsetDateTime>,
    /// See [`FieldInput::concurrent`] (record level; used for fields without [`FieldSync`]).
    pub concurrent: bool,
    /// Per field (Salesforce name): which side's change was last synced, made when, synced when.
    pub field_sync: Option<&'a BTreeMap<String, FieldSync>>,
    /// Per field (Salesforce name): what each side holds as far as we know.
    pub views: Option<&'a BTreeMap<String, FieldViews>>,
    /// When the planned writes are made (our write time in the views).
    pub now: OffsetDateTime,
    /// The incoming values are a listing of a save of ours (`Actor::IntegrationSnapshot`): its
    /// time is our save's, not a person's edit. A field we wrote to the origin since carries
    /// our own older value, never a newer edit (see [`plan_field`]).
    pub own_save: bool,
    /// The incoming values were read from the origin after every earlier delivery of the
    /// record was received (the writer's read-back of an ambiguous change): they win a tie.
    pub fresh_read: bool,
}

/// The last sync of one field: concurrency is decided per field, not per record (an edit of
/// another field on the other side is not a conflict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldSync {
    pub origin: Side,
    #[serde(with = "time::serde::rfc3339")]
    pub source_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
}

/// The outcome for one record; field names are the mapping's (`'m`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPlan<'m> {
    /// Values to write, keyed by the target's field names.
    pub writes: FieldValues<'m>,
    /// Values both sides will hold after the write, keyed by Salesforce field name.
    pub synced: FieldValues<'m>,
    /// Conflicts to put in the ledger, keyed by Salesforce field name.
    pub conflicts: Vec<(String, Conflict)>,
    pub skipped: Vec<(String, SkipReason)>,
    /// Values to write back to the origin, by the origin's field names: a concurrent change we
    /// already applied overwrote the origin's newer value, which won the conflict.
    pub restore_origin: BTreeMap<String, Value>,
    /// Values to write to the origin that come from the target, by the origin's field names and
    /// terms: the preferred side's "unknown" blank filled by the other side (see
    /// [`rules::origin_takes_target`]).
    pub fill_origin: BTreeMap<String, Value>,
    /// The views of the fields this change touched, to store even when nothing is written
    /// (Salesforce field names, each once).
    pub views: Vec<(&'m str, FieldViews)>,
    /// A field's incoming value differs from the origin's value we hold with the same change
    /// time: which one is newer cannot be told (Salesforce times are to the second, and
    /// deliveries arrive out of order). The writer reads the record back and plans that.
    pub ambiguous: bool,
}

impl RecordPlan<'_> {
    /// Nothing to write on either side (views may still have to be stored).
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty() && self.fill_origin.is_empty()
    }
}

/// Map and resolve every mapped field of the incoming change.
pub fn plan<'m>(input: &PlanInput<'_, 'm>) -> RecordPlan<'m> {
    // Sized once for the changed fields: grown one by one, each would be reallocated thrice.
    let fields = input.incoming.len().min(input.mapping.len());
    let mut out = RecordPlan {
        writes: FieldValues::with_capacity(fields),
        synced: FieldValues::with_capacity(fields),
        views: Vec::with_capacity(fields),
        ..RecordPlan::default()
    };
    for m in input.mapping {
        plan_field(input, m, &mut out);
    }
    out
}

/// Borrow wherever nothing changes: this is the writer's hot path.
fn plan_field<'m>(input: &PlanInput<'_, 'm>, m: &'m FieldMapping, out: &mut RecordPlan<'m>) {
    let origin = input.direction.origin();
    let (origin_field, target_field) = match origin {
        Side::Salesforce => (&m.sf_field, &m.jing_field),
        Side::Jing => (&m.jing_field, &m.sf_field),
    };
    let Some(change) = input.incoming.get(origin_field.as_str()) else {
        return;
    };
    let views = input.views.and_then(|v| v.get(m.sf_field.as_str()));
    let origin_view = views.and_then(|v| v.side(origin));
    let target_view = views.and_then(|v| v.side(origin.other()));
    let last_sf = input.last_synced.and_then(|l| l.get(m.sf_field.as_str()));
    let converted = convert_cow(&change.after, m, origin);
    // The incoming value as views and last-synced values hold it (Salesforce terms, normalized).
    let incoming_sf = normalized_ref(match origin {
        Side::Salesforce => &change.after,
        Side::Jing => &converted,
    });
    let form = Form::of(m);
    if let Some(reason) = seen_already(input, origin_view, last_sf, incoming_sf, form) {
        out.skipped.push((m.sf_field.clone(), reason));
        return;
    }
    if !input.fresh_read && ties_with_origin(input, origin_view, last_sf, incoming_sf, form) {
        out.ambiguous = true;
    }
    // Made before our last write to the origin: it carries what we overwrote, not what we wrote.
    let stale = origin_view.is_some_and(|v| v.by_us && v.is_newer_than(input.incoming_at));
    if stale && input.own_save {
        // A listing of an earlier save of ours (e.g. the first attempt of a create whose
        // process died, listed by a safety net and queued before the retry wrote newer
        // values): its time would make our old value look like an edit newer than the other
        // side's, and write it back over that edit.
        out.skipped
            .push((m.sf_field.clone(), SkipReason::Superseded));
        return;
    }
    let target_seen = target_view.and_then(|v| v.value_or(last_sf));
    let sources = Sources {
        incoming: &converted,
        last: last_sf,
        before: match origin_view {
            Some(v) if stale => v.overwritten.as_ref(),
            Some(v) => v.value_or(last_sf),
            None => last_sf,
        },
        target_seen,
        target_told: target_seen
            .is_none()
            .then(|| input.target_current?.get(target_field.as_str()))
            .flatten(),
    };
    let mut values = Compared::new(&sources, m, origin, form);
    if form == Form::Email {
        values.share_spellings(&converted);
    }
    let field_input = field_input(input, m, &values, target_view, stale);
    let (verdict, conflict) = rules::decide(&field_input);
    if let Some(c) = conflict {
        if field_input.concurrent && c.winner == origin {
            out.restore_origin
                .insert(origin_field.clone(), change.after.clone());
        }
        out.conflicts.push((m.sf_field.clone(), c));
    }
    let field = Outcome {
        m,
        origin_field,
        target_field,
        origin_after: &change.after,
        seen: FieldSeen {
            origin,
            views,
            last_synced: last_sf,
            stale,
            incoming_at: input.incoming_at,
            now: input.now,
        },
    };
    match verdict {
        Verdict::Write => {
            let synced = incoming_sf.clone();
            field.written(out, synced, converted.into_owned());
        }
        Verdict::Skip(reason) => {
            let origin_changed = !values
                .before()
                .is_some_and(|b| rules::same(&values.incoming, b));
            field.skipped(out, reason, &field_input, incoming_sf, origin_changed);
        }
    }
}

/// The origin's change was seen before: a late delivery of an older edit (a newer one from the
/// same side was already seen), or our own write coming back (whatever the two clocks say
/// about its time).
fn seen_already(
    input: &PlanInput<'_, '_>,
    origin_view: Option<&SideView>,
    last_sf: Option<&Value>,
    incoming_sf: &Value,
    form: Form,
) -> Option<SkipReason> {
    let v = origin_view?;
    if !v.by_us && v.is_newer_than(input.incoming_at) {
        return Some(SkipReason::Superseded);
    }
    let ours = v.value_or(last_sf).filter(|_| v.by_us)?;
    compared::same(incoming_sf, ours, form).then_some(SkipReason::Unchanged)
}

/// The origin's edit we hold has the incoming change's time but another value.
fn ties_with_origin(
    input: &PlanInput<'_, '_>,
    origin_view: Option<&SideView>,
    last_sf: Option<&Value>,
    incoming_sf: &Value,
    form: Form,
) -> bool {
    origin_view
        .filter(|v| !v.by_us && v.at == input.incoming_at)
        .and_then(|v| v.value_or(last_sf))
        .is_some_and(|held| !compared::same(incoming_sf, held, form))
}

/// What the rules need about the field, its values in the compared form.
fn field_input<'v>(
    input: &PlanInput<'_, '_>,
    m: &FieldMapping,
    values: &'v Compared<'_>,
    target_view: Option<&SideView>,
    stale: bool,
) -> FieldInput<'v> {
    let (concurrent, target_changed_at) = concurrency(input, m, target_view);
    FieldInput {
        rule: m.rule,
        blank: m.blank,
        direction: input.direction,
        direction_enabled: input.direction_enabled,
        incoming: &values.incoming,
        incoming_at: input.incoming_at,
        target_current: values.target(),
        target_changed_at,
        last_synced: values.last.as_deref(),
        origin_before: values.before(),
        target_held: target_view.is_some_and(|v| v.held),
        // Not when we already wrote to the origin after its edit: it holds our value already.
        target_noted_after: !stale
            && target_view
                .is_some_and(|v| !v.by_us && v.noted.is_some_and(|n| input.incoming_at < n)),
        target_filled_after: target_view.is_some_and(|v| {
            v.by_us
                && v.is_newer_than(input.incoming_at)
                && v.overwritten.as_ref().is_some_and(Value::is_empty)
        }),
        concurrent,
    }
}

/// Whether the incoming change is concurrent with the field's last sync from the other side,
/// and when the target last changed the field (its own edit if we saw one).
fn concurrency(
    input: &PlanInput<'_, '_>,
    m: &FieldMapping,
    target_view: Option<&SideView>,
) -> (bool, Option<OffsetDateTime>) {
    let origin = input.direction.origin();
    let (concurrent, changed_at) = match input.field_sync.and_then(|f| f.get(m.sf_field.as_str())) {
        Some(fs) if fs.origin != origin => (input.incoming_at < fs.synced_at, Some(fs.source_time)),
        Some(_) => (false, None),
        // Per-field bookkeeping exists but this field was never synced from the other
        // side: another field's sync is no conflict for it.
        None if input.field_sync.is_some_and(|f| !f.is_empty()) => (false, None),
        None => (input.concurrent, input.target_changed_at),
    };
    match target_view.filter(|v| !v.by_us) {
        Some(v) => (concurrent, Some(v.at)),
        None => (concurrent, changed_at),
    }
}

#[cfg(test)]
mod email_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
