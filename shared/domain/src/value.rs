//! The typed field value model shared by both systems.

use crate::datetime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::{Date, OffsetDateTime};

/// What kind of value a field holds. Text-like types carry their maximum length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldType {
    Text {
        max_len: u32,
    },
    Email,
    Phone,
    Url,
    Picklist,
    MultiPicklist,
    Number,
    Boolean,
    Date,
    DateTime,
    /// A lookup to another record (Salesforce reference, JING owner/company uuid).
    Reference,
}

impl FieldType {
    pub fn is_option(self) -> bool {
        matches!(self, Self::Picklist | Self::MultiPicklist)
    }
    /// Maximum length in characters, where the type has one.
    pub fn max_len(self) -> Option<u32> {
        match self {
            Self::Text { max_len } => Some(max_len),
            Self::Email => Some(80),
            Self::Phone => Some(40),
            Self::Url => Some(255),
            _ => None,
        }
    }
    /// Text-like: values are strings that can be copied into any other text-like field.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            Self::Text { .. } | Self::Email | Self::Phone | Self::Url
        )
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Picklist => "picklist",
            Self::MultiPicklist => "multi-picklist",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::DateTime => "datetime",
            Self::Reference => "reference",
        }
    }
}

/// A field value. `Empty` is the one blank: "", null and an empty multi-select all become `Empty`.
/// Texts are shared (`Arc<str>`): the planner copies a value into the write, the synced values
/// and the views of every field, which then costs a count, not an allocation. They serialize
/// as the plain string they are, so stored values and queue bodies are unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    #[default]
    Empty,
    Text(Arc<str>),
    Number(f64),
    Bool(bool),
    #[serde(with = "date_serde")]
    Date(Date),
    #[serde(with = "time::serde::rfc3339")]
    DateTime(OffsetDateTime),
    Multi(Vec<String>),
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

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.trim().is_empty() {
            Self::Empty
        } else {
            Self::Text(s.into())
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) => is_blank(s),
            Self::Multi(v) => v.is_empty(),
            _ => false,
        }
    }

    /// Collapse every blank spelling into `Empty` so comparisons and fingerprints agree.
    pub fn normalized(self) -> Self {
        if self.is_empty() { Self::Empty } else { self }
    }

    /// The value as plain text (what a text field on the other side would receive).
    pub fn as_text(&self) -> Option<String> {
        Some(match self {
            Self::Empty => return None,
            Self::Text(s) => s.to_string(),
            Self::Number(n) => format_number(*n),
            Self::Bool(b) => b.to_string(),
            Self::Date(d) => datetime::format_date(*d),
            Self::DateTime(dt) => datetime::format_sf(*dt),
            Self::Multi(v) => v.join(";"),
        })
    }

    /// Decode a Salesforce JSON value for a field of the given type.
    pub fn from_sf_json(ty: FieldType, json: &serde_json::Value) -> Result<Self, ValueError> {
        use serde_json::Value as J;
        let bad = || ValueError {
            expected: ty,
            got: json.to_string(),
        };
        Ok(match (ty, json) {
            (_, J::Null) => Self::Empty,
            (FieldType::Boolean, J::Bool(b)) => Self::Bool(*b),
            (FieldType::Number, J::Number(n)) => Self::Number(n.as_f64().ok_or_else(bad)?),
            (FieldType::Number, J::String(s)) => Self::Number(s.parse().map_err(|_| bad())?),
            (FieldType::MultiPicklist, J::String(s)) => Self::Multi(split_multi(s, ';')),
            (FieldType::Date, J::String(s)) => {
                Self::Date(datetime::parse_date(s).map_err(|_| bad())?)
            }
            (FieldType::DateTime, J::String(s)) => {
                Self::DateTime(datetime::parse_sf(s).map_err(|_| bad())?)
            }
            (_, J::String(s)) => Self::text(s.clone()),
            (_, J::Number(n)) => Self::text(n.to_string()),
            (_, J::Bool(b)) => Self::text(b.to_string()),
            _ => return Err(bad()),
        }
        .normalized())
    }

    /// Encode for a Salesforce JSON body.
    pub fn to_sf_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::Empty => J::Null,
            Self::Text(s) => J::String(s.to_string()),
            Self::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            Self::Bool(b) => J::Bool(*b),
            Self::Date(d) => J::String(datetime::format_date(*d)),
            Self::DateTime(dt) => J::String(datetime::format_sf(*dt)),
            Self::Multi(v) => J::String(v.join(";")),
        }
    }

    /// Decode a JING JSON value (from `mapping_data` or the open API) for a field of the given type.
    pub fn from_jing_json(ty: FieldType, json: &serde_json::Value) -> Result<Self, ValueError> {
        use serde_json::Value as J;
        let bad = || ValueError {
            expected: ty,
            got: json.to_string(),
        };
        Ok(match (ty, json) {
            (_, J::Null) => Self::Empty,
            (FieldType::MultiPicklist, J::Array(items)) => Self::Multi(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
            ),
            (FieldType::MultiPicklist, J::String(s)) => Self::Multi(split_multi(s, ',')),
            (FieldType::DateTime, J::String(s)) => {
                Self::DateTime(datetime::parse_jing(s).map_err(|_| bad())?)
            }
            (FieldType::DateTime, J::Number(n)) => Self::DateTime(
                datetime::from_epoch_auto(n.as_i64().ok_or_else(bad)?).map_err(|_| bad())?,
            ),
            (FieldType::Date, J::String(s)) => {
                Self::Date(datetime::parse_date(s.get(..10).unwrap_or(s)).map_err(|_| bad())?)
            }
            (FieldType::Boolean, J::Bool(b)) => Self::Bool(*b),
            (FieldType::Boolean, J::Number(n)) => Self::Bool(n.as_i64() == Some(1)),
            (FieldType::Number, J::Number(n)) => Self::Number(n.as_f64().ok_or_else(bad)?),
            (FieldType::Number, J::String(s)) => Self::Number(s.parse().map_err(|_| bad())?),
            (_, J::String(s)) => Self::text(s.clone()),
            (_, J::Number(n)) => Self::text(n.to_string()),
            (_, J::Bool(b)) => Self::text(b.to_string()),
            _ => return Err(bad()),
        }
        .normalized())
    }

    /// Encode for a JING JSON body (datetimes as China wall clock, multi-selects as arrays).
    pub fn to_jing_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::DateTime(dt) => J::String(datetime::format_jing(*dt)),
            Self::Multi(v) => J::Array(v.iter().cloned().map(J::String).collect()),
            other => other.to_sf_json(),
        }
    }
}

/// Only whitespace (or nothing): a blank text. Answers from the first byte for ordinary values
/// (a visible ASCII character), the hot path of every comparison.
pub(crate) fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        // ASCII whitespace as `char::is_whitespace` counts it: tab to carriage return, space.
        Some(&b) if b.is_ascii() && b != b' ' && !(b'\t'..=b'\r').contains(&b) => false,
        Some(_) => s.chars().all(char::is_whitespace),
    }
}

fn split_multi(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Integers print without a fraction so "42" round-trips through text fields.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected a {} value, got {got}", expected.label())]
pub struct ValueError {
    pub expected: FieldType,
    pub got: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        #[test]
        fn a_blank_is_whitespace_as_char_counts_it(s in "[\\x00-\\x20\\x7f\u{85}\u{a0}\u{3000}a]{0,4}") {
            proptest::prop_assert_eq!(is_blank(&s), s.chars().all(char::is_whitespace), "{:?}", s);
        }
    }

    #[test]
    fn every_blank_spelling_is_empty() {
        for v in [Value::Empty, Value::Text("  ".into()), Value::Multi(vec![])] {
            assert!(v.is_empty());
            assert_eq!(v.normalized(), Value::Empty);
        }
        assert_eq!(Value::text(""), Value::Empty);
    }

    #[test]
    fn salesforce_json_decodes_by_type() {
        let dt = Value::from_sf_json(FieldType::DateTime, &json!("2024-05-01T10:00:00.000+0000"));
        assert!(matches!(dt, Ok(Value::DateTime(_))));
        assert_eq!(
            Value::from_sf_json(FieldType::MultiPicklist, &json!("a;b;c")).unwrap(),
            Value::Multi(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(
            Value::from_sf_json(FieldType::Email, &json!(null)).unwrap(),
            Value::Empty
        );
        assert!(Value::from_sf_json(FieldType::Number, &json!("abc")).is_err());
        assert_eq!(
            Value::Multi(vec!["a".into(), "b".into()]).to_sf_json(),
            json!("a;b")
        );
    }

    #[test]
    fn jing_json_decodes_wall_clock_and_epochs() {
        let a = Value::from_jing_json(FieldType::DateTime, &json!("2023-02-27 15:02:25")).unwrap();
        let b = Value::from_jing_json(FieldType::DateTime, &json!(1677481345)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_jing_json(), json!("2023-02-27 15:02:25"));
    }

    #[test]
    fn a_non_ascii_date_is_an_error_not_a_panic() {
        assert!(Value::from_jing_json(FieldType::Date, &json!("2023年02月01日")).is_err());
        assert!(Value::from_jing_json(FieldType::Date, &json!("2023-02-01 10:00:00")).is_ok());
    }

    #[test]
    fn numbers_print_without_spurious_fractions() {
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(1.5), "1.5");
    }

    #[test]
    fn values_serialize_with_their_type_tag() {
        let v = Value::Date(time::macros::date!(2024 - 05 - 01));
        let s = serde_json::to_string(&v).unwrap();
        assert_eq!(s, r#"{"t":"date","v":"2024-05-01"}"#);
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    }
}
