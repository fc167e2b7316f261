//! Per-record planning: map an incoming change through the field mapping, convert values into
//! the target's terms and resolve every field's rule. The writer's hot path, pure.

use crate::change::FieldChange;
use crate::object::{Direction, Side};
use crate::rules::{self, Conflict, FieldInput, SkipReason, Verdict};
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use time::OffsetDateTime;

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
    /// The target's current values keyed by the target's field names, when known.
    pub target_current: Option<&'a BTreeMap<String, Value>>,
    pub target_changed_at: Option<OffsetDateTime>,
    /// See [`FieldInput::concurrent`] (record level; used for fields without [`FieldSync`]).
    pub concurrent: bool,
    /// Per field (Salesforce name): which side's change was last synced, made when, synced when.
    pub field_sync: Option<&'a BTreeMap<String, FieldSync>>,
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
}

impl RecordPlan {
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Map and resolve every mapped field of the incoming change.
pub fn plan(input: &PlanInput<'_>) -> RecordPlan {
    let origin = input.direction.origin();
    let mut out = RecordPlan::default();
    for m in input.mapping {
        let (origin_field, target_field) = match origin {
            Side::Salesforce => (&m.sf_field, &m.jing_field),
            Side::Jing => (&m.jing_field, &m.sf_field),
        };
        let Some(change) = input.incoming.get(origin_field.as_str()) else {
            continue;
        };
        // Borrow wherever nothing changes: this loop is the writer's hot path.
        let converted = convert_cow(&change.after, m, origin);
        // last_synced holds Salesforce-side values; compare in the target's terms.
        let last = input
            .last_synced
            .and_then(|l| l.get(m.sf_field.as_str()))
            .map(|v| match origin {
                Side::Salesforce => convert_cow(v, m, Side::Salesforce),
                Side::Jing => Cow::Borrowed(v),
            });
        let (concurrent, target_changed_at) =
            match input.field_sync.and_then(|f| f.get(m.sf_field.as_str())) {
                Some(fs) if fs.origin != origin => {
                    (input.incoming_at < fs.synced_at, Some(fs.source_time))
                }
                Some(_) => (false, None),
                None => (input.concurrent, input.target_changed_at),
            };
        // Phones compare by their normalized number: a format difference is not a change.
        let phone = m.sf_type == FieldType::Phone || m.jing_type == FieldType::Phone;
        fn key(v: &Value, phone: bool) -> Cow<'_, Value> {
            if phone {
                Cow::Owned(phone_key(v))
            } else {
                Cow::Borrowed(v)
            }
        }
        let incoming_key = key(&converted, phone);
        let last_key = last.as_deref().map(|v| key(v, phone));
        let target_key = input
            .target_current
            .and_then(|t| t.get(target_field.as_str()))
            .map(|v| key(v, phone));
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
        match verdict {
            Verdict::Write => {
                let v = converted.into_owned();
                let sf_value = if origin == Side::Salesforce {
                    change.after.clone()
                } else {
                    v.clone()
                };
                out.synced.insert(m.sf_field.clone(), sf_value.normalized());
                out.writes.insert(target_field.clone(), v);
            }
            Verdict::Skip(reason) => out.skipped.push((m.sf_field.clone(), reason)),
        }
    }
    out
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
