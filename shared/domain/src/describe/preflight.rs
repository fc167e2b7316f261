//! Pre-flight validation: the value errors Salesforce would return, found before spending an API
//! call. Runs on the hot path of every write, so it borrows wherever it can and allocates only to
//! report an error.

use super::{SfFieldDescribe, SfFieldType, SfObjectDescribe, ValidFor, is_valid_email};
use crate::error::{ErrorCode, SyncError};
use crate::value::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Whether the write creates a record or updates an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    Create,
    Update,
}

/// Validate the values of one write against the object's describe. `current` is the record's
/// present state on update (used for the controlling value of dependent picklists when the write
/// does not change the controller). Every error carries `.field(..).object(describe.name)`,
/// except the single `ObjectNotAccessible` returned when the user cannot write the object at all.
pub fn preflight(
    describe: &SfObjectDescribe,
    values: &BTreeMap<String, Value>,
    mode: WriteMode,
    current: Option<&BTreeMap<String, Value>>,
) -> Vec<SyncError> {
    let object_allowed = match mode {
        WriteMode::Create => describe.createable,
        WriteMode::Update => describe.updateable,
    };
    if !object_allowed {
        let verb = if mode == WriteMode::Create {
            "create"
        } else {
            "edit"
        };
        return vec![
            SyncError::new(ErrorCode::ObjectNotAccessible)
                .object(&describe.name)
                .detail(verb),
        ];
    }
    let ctx = Context {
        describe,
        values,
        mode,
        current,
    };
    let mut errors: Vec<SyncError> = values.iter().filter_map(|(n, v)| ctx.check(n, v)).collect();
    if mode == WriteMode::Create {
        errors.extend(
            describe
                .required_on_create()
                .filter(|f| lookup_any(values, &f.name).is_none())
                .map(|f| {
                    SyncError::new(ErrorCode::RequiredValueMissing)
                        .field(&f.name)
                        .object(&describe.name)
                }),
        );
    }
    errors
}

struct Context<'a> {
    describe: &'a SfObjectDescribe,
    values: &'a BTreeMap<String, Value>,
    mode: WriteMode,
    current: Option<&'a BTreeMap<String, Value>>,
}

impl Context<'_> {
    fn error(&self, code: ErrorCode, field: &str) -> SyncError {
        SyncError::new(code)
            .field(field)
            .object(&self.describe.name)
    }

    fn check(&self, name: &str, value: &Value) -> Option<SyncError> {
        let field = match self.describe.field(name) {
            Some(f) if !f.deprecated_and_hidden => f,
            _ => return Some(self.error(ErrorCode::MappedFieldMissing, name)),
        };
        let writable = match self.mode {
            WriteMode::Create => field.createable,
            WriteMode::Update => field.updateable,
        };
        if !writable {
            return Some(self.error(ErrorCode::FieldNotAccessible, &field.name));
        }
        if value.is_empty() {
            return self
                .blank_forbidden(field)
                .then(|| self.error(ErrorCode::RequiredValueMissing, &field.name));
        }
        check_value(field, value)
            .or_else(|| self.check_dependency(field, value))
            .map(|(code, detail)| self.error(code, &field.name).detail(detail))
    }

    /// Blank is refused on create for required fields, and on update for non-nillable ones.
    fn blank_forbidden(&self, field: &SfFieldDescribe) -> bool {
        match self.mode {
            WriteMode::Create => field.required_on_create(),
            WriteMode::Update => !field.nillable && field.sf_type != SfFieldType::Boolean,
        }
    }

    fn check_dependency(
        &self,
        field: &SfFieldDescribe,
        value: &Value,
    ) -> Option<(ErrorCode, String)> {
        if !field.dependent_picklist {
            return None;
        }
        let controller = self.describe.field(field.controller_name.as_deref()?)?;
        let controller_value = self.controller_value(controller)?;
        let index = controller.controller_index(&controller_value);
        if index.is_none() && !controller_value.is_empty() {
            return None; // an unknown controlling value is the controller's own error
        }
        picklist_items(value).find_map(|item| {
            let entry = field.picklist_values.iter().find(|p| p.value == item)?;
            let mask = ValidFor::decode(entry.valid_for.as_deref()?).ok()?;
            let valid = index.is_some_and(|i| mask.allows(i));
            (!valid).then(|| (ErrorCode::InvalidDependentValue, item.to_owned()))
        })
    }

    /// The controlling value the record will have: written now, else current, else (on create)
    /// the controller's default. `None` when unknown (update without the current record).
    fn controller_value(&self, controller: &SfFieldDescribe) -> Option<Cow<'_, Value>> {
        if let Some(v) = lookup_any(self.values, &controller.name) {
            return Some(Cow::Borrowed(v));
        }
        if let Some(current) = self.current {
            return Some(Cow::Borrowed(
                lookup_any(current, &controller.name).unwrap_or(&Value::Empty),
            ));
        }
        if self.mode == WriteMode::Update {
            return None;
        }
        let default = controller
            .picklist_values
            .iter()
            .find(|p| p.active && p.default_value);
        Some(Cow::Owned(default.map_or(Value::Empty, |p| {
            Value::Text(p.value.as_str().into())
        })))
    }
}

/// A value by field name (exact, then case-insensitive). Blank values reach `check`, which
/// reports them; required fields absent from the write are reported by `preflight`.
fn lookup_any<'a>(values: &'a BTreeMap<String, Value>, name: &str) -> Option<&'a Value> {
    values.get(name).or_else(|| {
        values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The value's text without copying when it already is text.
fn text_of(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Text(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.as_text().unwrap_or_default()),
    }
}

/// Picklist items of a value: a multi-select's values, or the `;`-separated parts of text.
fn picklist_items(value: &Value) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Value::Multi(items) => Box::new(items.iter().map(String::as_str)),
        Value::Text(s) => Box::new(s.split(';').map(str::trim).filter(|p| !p.is_empty())),
        _ => Box::new(std::iter::empty()),
    }
}

/// The type, format, length and picklist checks of one non-blank value.
fn check_value(field: &SfFieldDescribe, value: &Value) -> Option<(ErrorCode, String)> {
    use SfFieldType as T;
    let expect = |ok: bool, expected: &str| {
        (!ok).then(|| {
            (
                ErrorCode::InvalidValue,
                format!("{} expects {expected}", field.name),
            )
        })
    };
    match field.sf_type {
        T::Int | T::Long => expect(
            number_of(value).is_some_and(|n| n.fract() == 0.0),
            "a whole number",
        ),
        T::Double | T::Currency | T::Percent => expect(number_of(value).is_some(), "a number"),
        T::Boolean => expect(bool_of(value).is_some(), "true or false"),
        T::Date => expect(is_date(value), "a date (YYYY-MM-DD)"),
        T::Datetime => expect(is_datetime(value), "a datetime"),
        T::Reference | T::Id => expect(
            matches!(value, Value::Text(s) if crate::ids::SfId::parse(s).is_ok()),
            "a Salesforce id",
        ),
        T::Picklist if matches!(value, Value::Multi(v) if v.len() > 1) => {
            expect(false, "a single value")
        }
        T::Picklist | T::Multipicklist => check_picklist(field, value),
        T::Email => check_email(field, value),
        T::String | T::Textarea | T::Combobox | T::Encryptedstring | T::Phone | T::Url => {
            check_length(field, &text_of(value))
        }
        T::Time | T::Address | T::Location | T::Base64 | T::Other => None,
    }
}

fn check_length(field: &SfFieldDescribe, text: &str) -> Option<(ErrorCode, String)> {
    let max = field.length as usize;
    // Byte length bounds the character count, so most values skip the character walk.
    let too_long = max > 0 && text.len() > max && text.chars().count() > max;
    too_long.then(|| (ErrorCode::ValueTooLong, format!("max length={max}")))
}

fn check_email(field: &SfFieldDescribe, value: &Value) -> Option<(ErrorCode, String)> {
    let text = text_of(value);
    if !is_valid_email(text.trim()) {
        return Some((ErrorCode::InvalidEmail, String::new()));
    }
    check_length(field, &text)
}

fn check_picklist(field: &SfFieldDescribe, value: &Value) -> Option<(ErrorCode, String)> {
    if field.restricted_picklist {
        let bad = picklist_items(value).find(|item| field.active_value(item).is_none());
        if let Some(item) = bad {
            return Some((ErrorCode::InvalidPicklistValue, item.to_owned()));
        }
    }
    if field.sf_type == SfFieldType::Picklist {
        check_length(field, &text_of(value))
    } else {
        None
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

fn bool_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Text(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::Text(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn is_date(value: &Value) -> bool {
    match value {
        Value::Date(_) => true,
        Value::Text(s) => crate::datetime::parse_date(s).is_ok(),
        _ => false,
    }
}

fn is_datetime(value: &Value) -> bool {
    match value {
        Value::DateTime(_) => true,
        Value::Text(s) => crate::datetime::parse_sf(s).is_ok(),
        _ => false,
    }
}
