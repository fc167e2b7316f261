//! Field-level validation driven by the schema: what Salesforce rejects on create/update, with
//! its codes and message shapes (§10.3).

use crate::errors::DmlError;
use crate::schema::{Field, Kind, Object};
use crate::store::Store;
use domain::datetime::{format_date, format_sf, parse_date, parse_sf};
use domain::ids::SfId;
use serde_json::{Map, Value};

/// Body keys resolved to fields and values coerced to stored form.
pub type Changes = Vec<(&'static Field, Value)>;

/// Resolve and coerce every key of a create/update body (ignoring `attributes`).
pub fn parse_body(
    obj: &Object,
    body: &Map<String, Value>,
    create: bool,
) -> Result<Changes, DmlError> {
    let mut out = Vec::with_capacity(body.len());
    let mut read_only = vec![];
    for (key, raw) in body {
        if key == "attributes" {
            continue;
        }
        if create && key.eq_ignore_ascii_case("Id") {
            return Err(DmlError::new(
                "INVALID_FIELD",
                "The Id field should not be specified in the sobject data.",
            ));
        }
        let field = obj.field(key).ok_or_else(|| {
            DmlError::new(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", obj.name),
            )
        })?;
        let writable = if create {
            field.createable
        } else {
            field.updateable
        };
        if !writable {
            read_only.push(field.name);
            continue;
        }
        out.push((field, coerce(field, raw)?));
    }
    if !read_only.is_empty() {
        return Err(DmlError::new(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your role or profile.",
                read_only.join(", ")
            ),
        )
        .with_fields(&read_only));
    }
    Ok(out)
}

fn parser_error(field: &Field, raw: &Value) -> DmlError {
    let token = match raw {
        Value::String(_) => "VALUE_STRING",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(_) => "VALUE_NUMBER",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::Null => "VALUE_NULL",
    };
    let ty = match field.kind {
        Kind::Boolean => "boolean",
        Kind::Int => "int",
        k if k.is_numeric() => "double",
        Kind::Date => "date",
        Kind::DateTime => "datetime",
        _ => "string",
    };
    DmlError::new(
        "JSON_PARSER_ERROR",
        format!(
            "Cannot deserialize instance of {ty} from {token} value {raw} or request may be missing a required field"
        ),
    )
}

/// Convert a JSON body value to the stored form, or refuse it as the real JSON parser does.
pub fn coerce(field: &Field, raw: &Value) -> Result<Value, DmlError> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let bad = || parser_error(field, raw);
    match field.kind {
        Kind::Boolean => match raw {
            Value::Bool(_) => Ok(raw.clone()),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(bad()),
        },
        k if k.is_numeric() => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(bad)?;
            if k == Kind::Int && n.fract() != 0.0 {
                return Err(bad());
            }
            Ok(number(n))
        }
        Kind::Date => {
            let s = raw.as_str().ok_or_else(bad)?;
            parse_date(s)
                .map(|d| Value::String(format_date(d)))
                .map_err(|_| bad())
        }
        Kind::DateTime => {
            let s = raw.as_str().ok_or_else(bad)?;
            parse_sf(s)
                .map(|t| Value::String(format_sf(t)))
                .map_err(|_| bad())
        }
        _ => match raw {
            Value::String(s) => Ok(Value::String(s.clone())),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(bad()),
        },
    }
}

/// A JSON number, integral when it can be (Salesforce prints `5` and `5.5`).
pub fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Per-value rules: length, e-mail shape, restricted picklist, reference shape and existence.
pub fn check_value(store: &Store, field: &Field, value: &Value) -> Result<(), DmlError> {
    let Some(s) = value.as_str() else {
        return Ok(());
    };
    let fields = [field.name];
    if field.kind.is_textual() && field.length > 0 && s.chars().count() > field.length as usize {
        return Err(DmlError::new(
            "STRING_TOO_LONG",
            format!(
                "{}: data value too large: {s} (max length={})",
                field.label, field.length
            ),
        )
        .with_fields(&fields));
    }
    match field.kind {
        Kind::Email if !s.is_empty() && !is_valid_email(s) => Err(DmlError::new(
            "INVALID_EMAIL_ADDRESS",
            format!("{}: invalid email address: {s}", field.label),
        )
        .with_fields(&fields)),
        Kind::Picklist if field.restricted && !field.picklist.contains(&s) => {
            Err(bad_picklist(field, s))
        }
        Kind::Reference => check_reference(store, field, s),
        _ => Ok(()),
    }
}

pub fn bad_picklist(field: &Field, s: &str) -> DmlError {
    DmlError::new(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        format!(
            "{}: bad value for restricted picklist field: {s}",
            field.label
        ),
    )
    .with_fields(&[field.name])
}

fn check_reference(store: &Store, field: &Field, raw: &str) -> Result<(), DmlError> {
    let incorrect = || {
        DmlError::new(
            "MALFORMED_ID",
            format!("{}: id value of incorrect type: {raw}", field.label),
        )
        .with_fields(&[field.name])
    };
    let id = SfId::parse(raw).map_err(|_| incorrect())?;
    let target = crate::schema::object_by_prefix(id.key_prefix()).ok_or_else(incorrect)?;
    if !field.reference_to.contains(&target.name) {
        return Err(incorrect());
    }
    match store.get(target.name, &id) {
        Some(row) if !row.is_deleted() => Ok(()),
        _ => Err(
            DmlError::new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                .with_fields(&[field.name]),
        ),
    }
}

/// A pragmatic version of Salesforce's address check: local@domain.tld, no spaces.
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && !host.is_empty()
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
}

/// Required fields that are missing or blank on the merged record.
pub fn missing_required(obj: &Object, row: &Map<String, Value>) -> Option<DmlError> {
    let missing: Vec<&str> = obj
        .all_fields()
        .filter(|f| f.createable && !f.nillable && !(f.defaulted && f.default_value.is_none()))
        .filter(|f| match row.get(f.name) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        })
        .map(|f| f.name)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(
        DmlError::new(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
        )
        .with_fields(&missing),
    )
}

/// Dependent picklists: a value must be valid for the controller's current value.
pub fn check_dependencies(obj: &Object, row: &Map<String, Value>) -> Result<(), DmlError> {
    for field in obj.fields.iter().filter(|f| f.controller.is_some()) {
        let Some(value) = row.get(field.name).and_then(Value::as_str) else {
            continue;
        };
        let controller = field.controller.unwrap_or_default();
        let ctrl_value = row.get(controller).and_then(Value::as_str);
        let ok = field
            .valid_for
            .iter()
            .find(|(v, _)| *v == value)
            .is_some_and(|(_, valid)| ctrl_value.is_some_and(|c| valid.contains(&c)));
        if !ok {
            return Err(bad_picklist(field, value));
        }
    }
    Ok(())
}

/// Unique fields (e.g. a unique external id): no other live row may hold the same value
/// (case-insensitively, the default for unique text fields).
pub fn check_unique(
    store: &Store,
    obj: &Object,
    row: &Map<String, Value>,
    own: Option<&SfId>,
) -> Result<(), DmlError> {
    for field in obj.fields.iter().filter(|f| f.unique) {
        let Some(value) = row
            .get(field.name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        let clash = store
            .candidates(obj.name, field.name, value)
            .into_iter()
            .filter(|r| !r.is_deleted())
            .filter(|r| own.is_none_or(|id| r.text("Id") != Some(id.as_str())))
            .find(|r| {
                r.text(field.name)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            });
        if let Some(other) = clash {
            return Err(DmlError::new(
                "DUPLICATE_VALUE",
                format!(
                    "duplicate value found: {} duplicates value on record with id: {}",
                    field.name,
                    other.text("Id").unwrap_or_default()
                ),
            )
            .with_fields(&[field.name]));
        }
    }
    Ok(())
}
