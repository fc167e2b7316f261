//! Per-record planning: map an incoming change through the field mapping, convert values into
//! the target's terms and resolve every field's rule. The writer's hot path, pure.

use crate::change::FieldChange;
use crate::object::{Direction, Side};
use crate::rules::{self, Conflict, FieldInput, SkipReason, Verdict};
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};
use std::borrow::Cow;

mod views;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use views::FieldSeen;
pub use views::{FieldViews, SideView};

/// What the planner needs about one incoming record.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub direction: Direction,
    pub direction_enabled: bool,
    pub mapping: &'a [FieldMapping],
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

/// The outcome for one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPlan {
    /// Values to write, keyed by the target's field names.
    pub writes: BTreeMap<String, Value>,
    /// Values both sides will hold after the write, keyed by Salesforce field name.
    pub synced: BTreeMap<String, Value>,
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
    pub views: Vec<(String, FieldViews)>,
}

impl RecordPlan {
    /// Nothing to write on either side (views may still have to be stored).
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty() && self.fill_origin.is_empty()
    }
}

/// Map and resolve every mapped field of the incoming change.
pub fn plan(input: &PlanInput<'_>) -> RecordPlan {
    let mut out = RecordPlan::default();
    for m in input.mapping {
        plan_field(input, m, &mut out);
    }
    out
}

/// Phones compare by their normalized number: a format difference is not a change.
fn key(v: &Value, phone: bool) -> Cow<'_, Value> {
    if phone {
        Cow::Owned(phone_key(v))
    } else {
        Cow::Borrowed(v)
    }
}

fn plan_field(input: &PlanInput<'_>, m: &FieldMapping, out: &mut RecordPlan) {
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
    // A newer edit from the same side was already seen: this delivery is late.
    if origin_view.is_some_and(|v| !v.by_us && v.is_newer_than(input.incoming_at)) {
        out.skipped
            .push((m.sf_field.clone(), SkipReason::Superseded));
        return;
    }
    // Borrow wherever nothing changes: this is the writer's hot path.
    let converted = convert_cow(&change.after, m, origin);
    let incoming_sf = || match origin {
        Side::Salesforce => change.after.clone().normalized(),
        Side::Jing => converted.as_ref().clone().normalized(),
    };
    let phone = m.sf_type == FieldType::Phone || m.jing_type == FieldType::Phone;
    let last_sf = input.last_synced.and_then(|l| l.get(m.sf_field.as_str()));
    // Our own write coming back (whatever the two clocks say about its time).
    if origin_view.is_some_and(|v| {
        v.by_us
            && v.value_or(last_sf)
                .is_some_and(|ours| rules::same(&key(&incoming_sf(), phone), &key(ours, phone)))
    }) {
        out.skipped
            .push((m.sf_field.clone(), SkipReason::Unchanged));
        return;
    }
    // Made before our last write to the origin: it carries what we overwrote, not what we wrote.
    let stale = origin_view.is_some_and(|v| v.by_us && v.is_newer_than(input.incoming_at));
    let before_sf = match origin_view {
        Some(v) if stale => v.overwritten.as_ref(),
        Some(v) => v.value_or(last_sf),
        None => last_sf,
    };
    // Views and last-synced values are in Salesforce terms; compare in the target's terms.
    let target_terms = |v: &'_ Value| -> Value {
        match origin {
            Side::Salesforce => convert_cow(v, m, Side::Salesforce).into_owned(),
            Side::Jing => v.clone(),
        }
    };
    let sf_terms = matches!(origin, Side::Jing);
    let last = last_sf.map(|v| as_target(v, sf_terms, &target_terms));
    let before = before_sf.map(|v| as_target(v, sf_terms, &target_terms));
    // What the target holds: its view, else what the caller knows, else the last synced value.
    let target_cur = match target_view.and_then(|v| v.value_or(last_sf)) {
        Some(v) => Some(as_target(v, sf_terms, &target_terms)),
        None => input
            .target_current
            .and_then(|t| t.get(target_field.as_str()))
            .map(Cow::Borrowed)
            .or_else(|| last_sf.map(|v| as_target(v, sf_terms, &target_terms))),
    };
    let (concurrent, target_changed_at) = concurrency(input, m, target_view);
    let incoming_key = key(&converted, phone);
    let last_key = last.as_deref().map(|v| key(v, phone));
    let before_key = before.as_deref().map(|v| key(v, phone));
    let target_key = target_cur.as_deref().map(|v| key(v, phone));
    let field_input = FieldInput {
        rule: m.rule,
        blank: m.blank,
        direction: input.direction,
        direction_enabled: input.direction_enabled,
        incoming: incoming_key.as_ref(),
        incoming_at: input.incoming_at,
        target_current: target_key.as_deref(),
        target_changed_at,
        last_synced: last_key.as_deref(),
        origin_before: before_key.as_deref(),
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
    };
    let (verdict, conflict) = rules::decide(&field_input);
    if let Some(c) = conflict {
        if concurrent && c.winner == origin {
            out.restore_origin
                .insert(origin_field.clone(), change.after.clone());
        }
        out.conflicts.push((m.sf_field.clone(), c));
    }
    let origin_changed = !before_key
        .as_deref()
        .is_some_and(|b| rules::same(&incoming_key, b));
    let seen = FieldSeen {
        origin,
        views,
        last_synced: last_sf,
        stale,
        incoming_at: input.incoming_at,
        now: input.now,
    };
    match verdict {
        Verdict::Write => {
            out.views.push((m.sf_field.clone(), seen.after_write()));
            if stale {
                // Our later write overwrote this edit on the origin, and it wins: give it back.
                out.restore_origin
                    .entry(origin_field.clone())
                    .or_insert_with(|| change.after.clone());
            }
            out.synced.insert(m.sf_field.clone(), incoming_sf());
            out.writes
                .insert(target_field.clone(), converted.into_owned());
        }
        Verdict::Skip(reason) => {
            let fill = target_view.zip(seen.target_value()).filter(|_| {
                rules::origin_takes_target(&field_input) && m.sf_type != FieldType::Reference
            });
            if let Some((t, value)) = fill {
                // The origin takes the target's value (see `rules::origin_takes_target`).
                let value = value.clone().normalized();
                let in_origin_terms = match origin {
                    Side::Salesforce => value.clone(),
                    Side::Jing => convert(&value, m, Side::Salesforce),
                };
                out.fill_origin
                    .insert(origin_field.clone(), in_origin_terms);
                let fv = seen.after_fill(t, incoming_sf());
                out.views.push((m.sf_field.clone(), fv));
                out.synced.insert(m.sf_field.clone(), value);
            } else if !stale && origin_changed && verdict_remembers(reason) {
                let held = reason == SkipReason::OtherSidePreferred && !change.after.is_empty();
                let fv = seen.after_own_edit(incoming_sf(), held);
                out.views.push((m.sf_field.clone(), fv));
            }
            out.skipped.push((m.sf_field.clone(), reason));
        }
    }
}

/// Whether the incoming change is concurrent with the field's last sync from the other side,
/// and when the target last changed the field (its own edit if we saw one).
fn concurrency(
    input: &PlanInput<'_>,
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

/// A value from a view or the last sync (Salesforce terms) in the target's terms.
fn as_target<'v>(v: &'v Value, sf_terms: bool, conv: &dyn Fn(&Value) -> Value) -> Cow<'v, Value> {
    if sf_terms {
        Cow::Borrowed(v)
    } else {
        Cow::Owned(conv(v))
    }
}

/// Skips after which the origin's value is worth remembering (it is what the origin holds now).
fn verdict_remembers(reason: SkipReason) -> bool {
    !matches!(
        reason,
        SkipReason::DoNotSync | SkipReason::DirectionOff | SkipReason::Superseded
    )
}

fn phone_key(v: &Value) -> Value {
    match v {
        Value::Text(s) => {
            crate::identity::normalize_mobile(s).map_or_else(|| v.clone(), Value::Text)
        }
        other => other.clone(),
    }
}

/// [`convert`], borrowing when the value passes through unchanged (the common case).
fn convert_cow<'a>(v: &'a Value, m: &FieldMapping, origin: Side) -> Cow<'a, Value> {
    let target_ty = match origin {
        Side::Salesforce => m.jing_type,
        Side::Jing => m.sf_type,
    };
    let passes = match v {
        Value::Empty => true,
        Value::Text(_) => {
            !(target_ty == FieldType::Number
                || target_ty == FieldType::Phone && origin == Side::Salesforce
                || target_ty == FieldType::Picklist && !m.options.is_empty())
        }
        Value::Multi(_) => {
            (target_ty != FieldType::MultiPicklist || m.options.is_empty())
                && !target_ty.is_textual()
        }
        Value::Date(_) => target_ty != FieldType::DateTime && !target_ty.is_textual(),
        Value::DateTime(_) => target_ty != FieldType::Date && !target_ty.is_textual(),
        _ => !target_ty.is_textual(),
    };
    if passes {
        Cow::Borrowed(v)
    } else {
        Cow::Owned(convert(v, m, origin))
    }
}

/// Convert a value from the origin field's terms into the target field's terms.
pub fn convert(v: &Value, m: &FieldMapping, origin: Side) -> Value {
    let target_ty = match origin {
        Side::Salesforce => m.jing_type,
        Side::Jing => m.sf_type,
    };
    let translate = |s: &str| -> String {
        match origin {
            Side::Salesforce => m.option_to_jing(s).to_owned(),
            Side::Jing => m.option_to_sf(s).to_owned(),
        }
    };
    match (v, target_ty) {
        (Value::Empty, _) => Value::Empty,
        // JING keys people by mobile: send it the normalized number (+86, spaces, full-width…).
        (Value::Text(s), FieldType::Phone) if origin == Side::Salesforce => {
            crate::identity::normalize_mobile(s).map_or_else(|| v.clone(), Value::Text)
        }
        (Value::Text(s), FieldType::Picklist) if !m.options.is_empty() => Value::Text(translate(s)),
        (Value::Multi(items), FieldType::MultiPicklist) if !m.options.is_empty() => {
            Value::Multi(items.iter().map(|s| translate(s)).collect())
        }
        (Value::DateTime(dt), FieldType::Date) => Value::Date(dt.date()),
        (Value::Date(d), FieldType::DateTime) => Value::DateTime(d.midnight().assume_utc()),
        (Value::Text(s), FieldType::Number) => s.trim().parse().map_or(v.clone(), Value::Number),
        (other, ty) if ty.is_textual() && !matches!(other, Value::Text(_)) => {
            other.as_text().map_or(Value::Empty, Value::Text)
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
