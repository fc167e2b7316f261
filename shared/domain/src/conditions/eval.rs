//! Evaluating scopes on records (semantics in the module docs of [`super`]).

use super::{CondValue, Condition, ConditionGroup, Op, Scope};
use crate::value::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use time::{Date, Duration, OffsetDateTime};

/// A record whose field values can be looked up by API name. A missing field counts as blank.
pub trait Fields {
    fn field_value(&self, field: &str) -> Option<Cow<'_, Value>>;
}

impl Fields for BTreeMap<String, Value> {
    fn field_value(&self, field: &str) -> Option<Cow<'_, Value>> {
        lookup(self.get(field), || self.iter(), field)
    }
}

impl Fields for HashMap<String, Value> {
    fn field_value(&self, field: &str) -> Option<Cow<'_, Value>> {
        lookup(self.get(field), || self.iter(), field)
    }
}

/// Exact name first; Salesforce API names are case-insensitive, so fall back to a folded scan.
fn lookup<'a, I: Iterator<Item = (&'a String, &'a Value)>>(
    exact: Option<&'a Value>,
    all: impl FnOnce() -> I,
    field: &str,
) -> Option<Cow<'a, Value>> {
    exact
        .or_else(|| {
            all()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| v)
        })
        .map(Cow::Borrowed)
}

/// Any closure `Fn(&str) -> Option<Value>` is a record too.
impl<F: Fn(&str) -> Option<Value>> Fields for F {
    fn field_value(&self, field: &str) -> Option<Cow<'_, Value>> {
        self(field).map(Cow::Owned)
    }
}

impl Scope {
    /// Whether `record` is in scope at `now` (see the module docs for the semantics).
    pub fn matches(&self, record: &impl Fields, now: OffsetDateTime) -> bool {
        self.is_everything() || self.groups.iter().any(|g| g.matches(record, now))
    }
}

impl ConditionGroup {
    pub fn matches(&self, record: &impl Fields, now: OffsetDateTime) -> bool {
        self.conditions.iter().all(|c| c.matches(record, now))
    }
}

impl Condition {
    /// Whether `record` satisfies this condition; an invalid condition matches nothing.
    pub fn matches(&self, record: &impl Fields, now: OffsetDateTime) -> bool {
        if self.check().is_err() {
            return false;
        }
        let value = record
            .field_value(&self.field)
            .unwrap_or(Cow::Owned(Value::Empty));
        let v = value.as_ref();
        match self.op {
            Op::IsEmpty => v.is_empty(),
            Op::IsNotEmpty => !v.is_empty(),
            Op::Equals => equals(v, &self.value, now),
            Op::NotEquals => !equals(v, &self.value, now),
            Op::Contains => contains(v, &self.value),
            Op::In | Op::Includes => any_of(v, &self.value),
            Op::GreaterThan | Op::After => ordering(v, &self.value, now) == Some(Ordering::Greater),
            Op::LessThan | Op::Before => ordering(v, &self.value, now) == Some(Ordering::Less),
        }
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn equals(v: &Value, cond: &CondValue, now: OffsetDateTime) -> bool {
    match (v, cond) {
        (_, CondValue::Text(b)) => equals_text(v, b),
        (Value::Bool(a), CondValue::Bool(b)) => a == b,
        (Value::Text(a), CondValue::Bool(b)) => eq_ci(a.trim(), if *b { "true" } else { "false" }),
        _ => ordering(v, cond, now) == Some(Ordering::Equal),
    }
}

/// Equality with a text operand, without allocating for the common text and number cases.
fn equals_text(v: &Value, b: &str) -> bool {
    match v {
        Value::Text(a) => eq_ci(a, b),
        Value::Number(a) => b.trim().parse::<f64>().is_ok_and(|n| n == *a),
        Value::Bool(a) => eq_ci(if *a { "true" } else { "false" }, b.trim()),
        Value::Multi(items) => eq_ci(&items.join(";"), b),
        Value::Empty | Value::Date(_) | Value::DateTime(_) => false,
    }
}

fn contains(v: &Value, cond: &CondValue) -> bool {
    let CondValue::Text(needle) = cond else {
        return false;
    };
    match v {
        Value::Multi(items) => items.iter().any(|i| eq_ci(i, needle)),
        other => other
            .as_text()
            .is_some_and(|text| text.to_lowercase().contains(&needle.to_lowercase())),
    }
}

fn any_of(v: &Value, cond: &CondValue) -> bool {
    let CondValue::List(wanted) = cond else {
        return false;
    };
    match v {
        Value::Multi(items) => items.iter().any(|i| wanted.iter().any(|w| eq_ci(i, w))),
        other => wanted.iter().any(|w| equals_text(other, w)),
    }
}

/// A point in time as a condition compares it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bound {
    Instant(OffsetDateTime),
    Day(Date),
}

/// Resolve a date-like condition value at `now`; `None` for values that are not date-like, and
/// for relative dates outside the calendar (`Condition::check` refuses those past
/// [`super::MAX_RELATIVE_DAYS`]; checked arithmetic keeps any other `now` from panicking).
pub(super) fn bound(cond: &CondValue, now: OffsetDateTime) -> Option<Bound> {
    let relative = |days: i64, date_only: bool| {
        let at = now.checked_add(Duration::days(days))?;
        Some(if date_only {
            Bound::Day(at.date())
        } else {
            Bound::Instant(at)
        })
    };
    match cond {
        CondValue::Date(d) => Some(Bound::Day(*d)),
        CondValue::DateTime(dt) => Some(Bound::Instant(*dt)),
        CondValue::DaysAgo { days, date_only } => relative(-i64::from(*days), *date_only),
        CondValue::DaysAhead { days, date_only } => relative(i64::from(*days), *date_only),
        _ => None,
    }
}

/// How the record value orders against the condition value; `None` when they don't compare.
fn ordering(v: &Value, cond: &CondValue, now: OffsetDateTime) -> Option<Ordering> {
    // Checked: an instant near the calendar's ends has no day in every offset.
    let day_of = |dt: OffsetDateTime| Some(dt.checked_to_offset(now.offset())?.date());
    match (v, cond) {
        (Value::Number(a), CondValue::Number(b)) => a.partial_cmp(b),
        (Value::Number(a), CondValue::Text(b)) => a.partial_cmp(&b.trim().parse().ok()?),
        (Value::Text(a), CondValue::Number(b)) => a.trim().parse::<f64>().ok()?.partial_cmp(b),
        (Value::Text(a), CondValue::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Date(_) | Value::DateTime(_), _) => match (v, bound(cond, now)?) {
            (Value::DateTime(a), Bound::Instant(b)) => Some(a.cmp(&b)),
            (Value::DateTime(a), Bound::Day(b)) => Some(day_of(*a)?.cmp(&b)),
            (Value::Date(a), Bound::Day(b)) => Some(a.cmp(&b)),
            (Value::Date(a), Bound::Instant(b)) => Some(a.cmp(&day_of(b)?)),
            _ => None,
        },
        _ => None,
    }
}

impl Scope {
    /// Why `record` is out of scope: per OR group, the first condition it fails (empty when
    /// the record is in scope). Explains a skipped record to the admin.
    pub fn misses(&self, record: &impl Fields, now: OffsetDateTime) -> Vec<&Condition> {
        if self.matches(record, now) {
            return Vec::new();
        }
        self.groups
            .iter()
            .filter_map(|g| g.conditions.iter().find(|c| !c.matches(record, now)))
            .collect()
    }
}

impl std::fmt::Display for Condition {
    /// `Status equals "Open"`: the condition as the admin set it (operator by its API name).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = serde_json::to_value(self.op).unwrap_or_default();
        let op = op.as_str().unwrap_or("?");
        match serde_json::to_value(&self.value) {
            Ok(v) if !matches!(self.value, CondValue::None) => {
                write!(f, "{} {op} {}", self.field, v.get("v").unwrap_or(&v))
            }
            _ => write!(f, "{} {op}", self.field),
        }
    }
}
