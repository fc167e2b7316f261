//! Scope conditions (范围限制): which records an initialization or a sync direction covers.
//!
//! A [`Scope`] is an OR of [`ConditionGroup`]s, each an AND of [`Condition`]s; a scope without
//! groups, or with an empty group, covers every record. The same scope is evaluated on records
//! ([`Scope::matches`], for JING-side records and webhook changes) and rendered to a SOQL `WHERE`
//! clause ([`Scope::to_soql_where`], for Salesforce queries); both follow SOQL's semantics so the two
//! paths agree:
//!
//! - Text comparisons (`equals`, `not equals`, `contains`, `in`) are **case-insensitive**, as SOQL's
//!   `=`, `IN` and `LIKE` are on ordinary text and picklist fields.
//! - `not equals` matches blank values (SOQL's `Field != 'x'` returns rows where Field is null).
//! - Numbers compare numerically (text that parses as a number compares as that number).
//! - Datetimes compare by instant; a date against a datetime compares calendar days, taken in the
//!   offset of the `now` passed in (pass `now` in the org's or China's offset to get their days).
//! - Relative values ("N days ago/ahead") are resolved from `now` and rendered as absolute literals.
//! - Multi-select values: `contains`, `in` and `includes` test membership; SOQL needs `INCLUDES`
//!   for multi-picklists, so the UI uses [`Op::Includes`] for them (`LIKE`/`IN` are refused there).
//! - A condition that is invalid (see [`Condition::check`]) matches nothing; settings are checked
//!   with [`Scope::check`] when saved.

mod eval;
mod render;
mod window;

pub use eval::Fields;
pub use window::{INIT_DATE_FIELD, InitWindow, WindowError};

use crate::soql::SoqlError;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// How far a relative date ("N days ago/ahead") may reach: 100 years, far more than any filter
/// needs, and far enough from the calendar's ends that resolving it never overflows.
pub const MAX_RELATIVE_DAYS: u32 = 36_500;

/// A comparison operator of one condition row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    /// Text contains the value (case-insensitive); multi-select has it as one of its values.
    Contains,
    /// Equals one of a list of values.
    In,
    /// Multi-select has at least one of a list of values (SOQL `INCLUDES`).
    Includes,
    IsEmpty,
    IsNotEmpty,
    GreaterThan,
    LessThan,
    /// Strictly before a date, datetime or relative date.
    Before,
    /// Strictly after a date, datetime or relative date.
    After,
}

/// The right-hand side of a condition, typed as the UI stored it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "v", rename_all = "snake_case")]
pub enum CondValue {
    /// No value (`is empty`, `is not empty`).
    #[default]
    None,
    Text(String),
    Number(f64),
    Bool(bool),
    /// For `in` and `includes`.
    List(Vec<String>),
    #[serde(with = "date_serde")]
    Date(Date),
    #[serde(with = "time::serde::rfc3339")]
    DateTime(OffsetDateTime),
    /// `now` minus `days` days; `date_only` for date fields (renders a date literal).
    DaysAgo {
        days: u32,
        #[serde(default)]
        date_only: bool,
    },
    /// `now` plus `days` days; `date_only` for date fields.
    DaysAhead {
        days: u32,
        #[serde(default)]
        date_only: bool,
    },
}

mod date_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::datetime::format_date(*d))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        crate::datetime::parse_date(&raw).map_err(serde::de::Error::custom)
    }
}

/// One condition row: `field op value`. `field` is the API name on the side being filtered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: CondValue,
}

/// Conditions that must all hold (AND).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConditionGroup {
    pub conditions: Vec<Condition>,
}

/// Groups of which at least one must hold (OR). No groups: every record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scope {
    pub groups: Vec<ConditionGroup>,
}

impl Condition {
    pub fn new(field: impl Into<String>, op: Op, value: CondValue) -> Self {
        Self {
            field: field.into(),
            op,
            value,
        }
    }

    /// Whether the field name is safe and the value fits the operator; the error says what to fix.
    pub fn check(&self) -> Result<(), SoqlError> {
        crate::soql::validate_field_name(&self.field)?;
        render::check_value(self)
    }
}

impl ConditionGroup {
    pub fn new(conditions: Vec<Condition>) -> Self {
        Self { conditions }
    }
}

impl Scope {
    /// The scope that covers everything.
    pub fn all() -> Self {
        Self::default()
    }

    pub fn new(groups: Vec<ConditionGroup>) -> Self {
        Self { groups }
    }

    /// Whether the scope restricts anything at all.
    pub fn is_everything(&self) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|g| g.conditions.is_empty())
    }

    /// Check every condition (on save), returning the first problem.
    pub fn check(&self) -> Result<(), SoqlError> {
        self.groups
            .iter()
            .flat_map(|g| &g.conditions)
            .try_for_each(Condition::check)
    }
}

#[cfg(test)]
mod tests;
