//! Values from one side's terms into the other's.

use crate::identity;
use crate::object::Side;
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};
use std::borrow::Cow;

/// The one blank, to borrow where a blank spelling stands for it.
static EMPTY: Value = Value::Empty;

/// The value with every blank spelling collapsed (see [`Value::normalized`]), borrowed.
pub(super) fn normalized_ref(v: &Value) -> &Value {
    if v.is_empty() { &EMPTY } else { v }
}

/// [`convert`], borrowing when the value passes through unchanged (the common case).
pub(super) fn convert_cow<'a>(v: &'a Value, m: &FieldMapping, origin: Side) -> Cow<'a, Value> {
    let target_ty = match origin {
        Side::Salesforce => m.jing_type,
        Side::Jing => m.sf_type,
    };
    let passes = match v {
        Value::Empty => true,
        Value::Text(s) => {
            !(target_ty == FieldType::Number
                || target_ty == FieldType::Phone
                    && origin == Side::Salesforce
                    && !identity::is_normal_mobile(s)
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
            identity::normalize_mobile(s).map_or_else(|| v.clone(), |n| Value::Text(n.into()))
        }
        (Value::Text(s), FieldType::Picklist) if !m.options.is_empty() => {
            Value::Text(translate(s).into())
        }
        (Value::Multi(items), FieldType::MultiPicklist) if !m.options.is_empty() => {
            Value::Multi(items.iter().map(|s| translate(s)).collect())
        }
        (Value::DateTime(dt), FieldType::Date) => Value::Date(dt.date()),
        (Value::Date(d), FieldType::DateTime) => Value::DateTime(d.midnight().assume_utc()),
        (Value::Text(s), FieldType::Number) => s.trim().parse().map_or(v.clone(), Value::Number),
        (other, ty) if ty.is_textual() && !matches!(other, Value::Text(_)) => other
            .as_text()
            .map_or(Value::Empty, |t| Value::Text(t.into())),
        _ => v.clone(),
    }
}
