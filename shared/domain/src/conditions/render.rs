//! Rendering scopes to SOQL `WHERE` clauses. Every string goes through [`crate::soql`]; field names
//! are validated, never escaped.

use super::eval::{Bound, bound};
use super::{CondValue, Condition, ConditionGroup, Op, Scope};
use crate::soql::{self, SoqlError};
use crate::value::format_number;
use time::OffsetDateTime;

impl Scope {
    /// `(a AND b) OR (c)`, or `None` when the scope covers every record. Relative dates are
    /// rendered as absolute literals computed from `now`.
    pub fn to_soql_where(&self, now: OffsetDateTime) -> Result<Option<String>, SoqlError> {
        if self.is_everything() {
            self.check()?;
            return Ok(None);
        }
        let groups = self
            .groups
            .iter()
            .map(|g| g.to_soql(now))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(groups.join(" OR ")))
    }
}

impl ConditionGroup {
    /// `(a AND b)`: always parenthesized so groups can be OR-ed and AND-ed safely.
    fn to_soql(&self, now: OffsetDateTime) -> Result<String, SoqlError> {
        let parts = self
            .conditions
            .iter()
            .map(|c| c.to_soql(now))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(" AND ")))
    }
}

impl Condition {
    /// One comparison, e.g. `Status = 'Open'`, `Name LIKE '%O\'Brien%'`, `Email = null`.
    pub fn to_soql(&self, now: OffsetDateTime) -> Result<String, SoqlError> {
        self.check()?;
        let field = &self.field;
        Ok(match (self.op, &self.value) {
            (Op::IsEmpty, _) => format!("{field} = null"),
            (Op::IsNotEmpty, _) => format!("{field} != null"),
            (Op::Contains, CondValue::Text(s)) => {
                format!("{field} LIKE '%{}%'", soql::escape_like(s)?)
            }
            (Op::In, CondValue::List(items)) => format!("{field} IN ({})", quoted_list(items)?),
            (Op::Includes, CondValue::List(items)) => {
                format!("{field} INCLUDES ({})", quoted_list(items)?)
            }
            (op, value) => format!("{field} {} {}", comparator(op), literal(value, now)?),
        })
    }
}

fn comparator(op: Op) -> &'static str {
    match op {
        Op::Equals => "=",
        Op::NotEquals => "!=",
        Op::GreaterThan | Op::After => ">",
        Op::LessThan | Op::Before => "<",
        // Unreachable after `check`, which pairs these ops with their own rendering.
        Op::Contains | Op::In | Op::Includes | Op::IsEmpty | Op::IsNotEmpty => "=",
    }
}

fn quoted_list(items: &[String]) -> Result<String, SoqlError> {
    let quoted = items
        .iter()
        .map(|i| soql::quote(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quoted.join(","))
}

/// A scalar literal; `check` has already refused lists and missing values for scalar operators.
fn literal(value: &CondValue, now: OffsetDateTime) -> Result<String, SoqlError> {
    Ok(match value {
        CondValue::Text(s) => soql::quote(s)?,
        CondValue::Number(n) => format_number(*n),
        CondValue::Bool(b) => b.to_string(),
        other => match bound(other, now) {
            Some(Bound::Day(d)) => soql::date_literal(d),
            Some(Bound::Instant(dt)) => soql::datetime_literal(dt),
            None => return Err(SoqlError::MalformedLiteral("no literal for this value")),
        },
    })
}

/// Whether the value fits the operator, so that rendering and evaluation agree on what it means.
pub(super) fn check_value(c: &Condition) -> Result<(), SoqlError> {
    match &c.value {
        CondValue::Text(s) => soql::check_string(s)?,
        CondValue::List(items) => items.iter().try_for_each(|i| soql::check_string(i))?,
        _ => {}
    }
    let why = match (c.op, &c.value) {
        (Op::IsEmpty | Op::IsNotEmpty, _) => return Ok(()),
        (_, CondValue::Number(n)) if !n.is_finite() => "the number is not finite",
        (_, CondValue::Text(s)) if s.trim().is_empty() => "blank value; use is empty instead",
        (Op::Contains, CondValue::Text(_)) => return Ok(()),
        (Op::Contains, _) => "contains needs a text value",
        (Op::In | Op::Includes, CondValue::List(items)) => return check_list(c.op, items, c),
        (Op::In | Op::Includes, _) => "in/includes needs a list of values",
        (_, CondValue::DaysAgo { days, .. } | CondValue::DaysAhead { days, .. })
            if *days > super::MAX_RELATIVE_DAYS =>
        {
            "a relative date is at most 36,500 days (100 years) away"
        }
        (Op::Before | Op::After, v) if is_date_like(v) => return Ok(()),
        (Op::Before | Op::After, _) => "before/after needs a date, a datetime or a relative date",
        (_, CondValue::None | CondValue::List(_)) => "this operator needs a single value",
        _ => return Ok(()),
    };
    Err(unsupported(c, why))
}

fn check_list(op: Op, items: &[String], c: &Condition) -> Result<(), SoqlError> {
    let why = if items.is_empty() {
        "the list of values is empty"
    } else if items.iter().any(|i| i.trim().is_empty()) {
        "the list contains a blank value"
    } else if op == Op::Includes && items.iter().any(|i| i.contains(';')) {
        // Inside INCLUDES, 'a;b' means "both a and b": a value may not smuggle that in.
        "a multi-select value cannot contain ';'"
    } else {
        return Ok(());
    };
    Err(unsupported(c, why))
}

fn is_date_like(v: &CondValue) -> bool {
    matches!(
        v,
        CondValue::Date(_)
            | CondValue::DateTime(_)
            | CondValue::DaysAgo { .. }
            | CondValue::DaysAhead { .. }
    )
}

fn unsupported(c: &Condition, why: &'static str) -> SoqlError {
    SoqlError::UnsupportedCondition {
        field: c.field.clone(),
        why,
    }
}
