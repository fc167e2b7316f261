//! Salesforce describe metadata (`GET /sobjects/{Object}/describe`, reference §8) as domain data,
//! and pre-flight validation of values against it before any write is sent.
//!
//! The structs deserialize straight from a describe response: serde names follow Salesforce's
//! camelCase keys and every key we don't model is ignored.

mod email;
mod preflight;
mod valid_for;

pub use email::is_valid_email;
pub use preflight::{WriteMode, preflight};
pub use valid_for::{ValidFor, ValidForError};

use crate::value::{FieldType, Value};
use serde::{Deserialize, Deserializer, Serialize};

/// One object's describe: its name, object-level permissions and fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SfObjectDescribe {
    pub name: String,
    #[serde(default)]
    pub label: String,
    /// Whether the authorized user may create records of this object.
    #[serde(default = "yes")]
    pub createable: bool,
    /// Whether the authorized user may update records of this object.
    #[serde(default = "yes")]
    pub updateable: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub fields: Vec<SfFieldDescribe>,
}

fn yes() -> bool {
    true
}

/// One field's describe. Only fields visible to the authorized user appear in a describe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SfFieldDescribe {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type")]
    pub sf_type: SfFieldType,
    /// Maximum length in characters (not bytes) for text types; 0 where not applicable.
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub nillable: bool,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub defaulted_on_create: bool,
    #[serde(default)]
    pub calculated: bool,
    #[serde(default)]
    pub deprecated_and_hidden: bool,
    #[serde(default)]
    pub restricted_picklist: bool,
    #[serde(default)]
    pub dependent_picklist: bool,
    #[serde(default)]
    pub controller_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub picklist_values: Vec<PicklistValue>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub reference_to: Vec<String>,
    /// Marked External ID (upserts may match on it).
    #[serde(default)]
    pub external_id: bool,
}

/// One value of a picklist, in describe order (the order `validFor` indexes refer to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    #[serde(default)]
    pub active: bool,
    pub value: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub default_value: bool,
    /// Base64 bitmask over the controlling field's value indexes (dependent picklists only).
    #[serde(default)]
    pub valid_for: Option<String>,
}

/// Salesforce field types (`type` in describe). Types we do not model decode as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SfFieldType {
    Id,
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Combobox,
    Boolean,
    Int,
    Long,
    Double,
    Currency,
    Percent,
    Date,
    Datetime,
    Time,
    Reference,
    Address,
    Location,
    Base64,
    Encryptedstring,
    #[serde(other)]
    Other,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl SfObjectDescribe {
    /// A field by API name, case-insensitively (as Salesforce resolves names).
    pub fn field(&self, name: &str) -> Option<&SfFieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Fields a create must carry a value for (see [`SfFieldDescribe::required_on_create`]).
    pub fn required_on_create(&self) -> impl Iterator<Item = &SfFieldDescribe> {
        self.fields.iter().filter(|f| f.required_on_create())
    }
}

impl SfFieldDescribe {
    /// `createable && !nillable && !defaultedOnCreate && type != boolean` (booleans are never null:
    /// they default to false).
    pub fn required_on_create(&self) -> bool {
        self.createable
            && !self.nillable
            && !self.defaulted_on_create
            && self.sf_type != SfFieldType::Boolean
    }

    /// The connector's value type for this field; `None` for types the connector does not sync
    /// (time, compound address/location, base64 blobs, unknown types).
    pub fn field_type(&self) -> Option<FieldType> {
        use SfFieldType as T;
        Some(match self.sf_type {
            T::String | T::Textarea | T::Combobox | T::Encryptedstring => FieldType::Text {
                max_len: self.length,
            },
            T::Email => FieldType::Email,
            T::Phone => FieldType::Phone,
            T::Url => FieldType::Url,
            T::Picklist => FieldType::Picklist,
            T::Multipicklist => FieldType::MultiPicklist,
            T::Int | T::Long | T::Double | T::Currency | T::Percent => FieldType::Number,
            T::Boolean => FieldType::Boolean,
            T::Date => FieldType::Date,
            T::Datetime => FieldType::DateTime,
            T::Reference | T::Id => FieldType::Reference,
            T::Time | T::Address | T::Location | T::Base64 | T::Other => return None,
        })
    }

    /// The active picklist entry whose API value is exactly `value`.
    pub fn active_value(&self, value: &str) -> Option<&PicklistValue> {
        self.picklist_values
            .iter()
            .find(|p| p.active && p.value == value)
    }

    /// The index a value of this (controlling) field has in `validFor` bitmasks: the position in
    /// its own picklist values, or for a checkbox 0 = false and 1 = true. Blank picklist: `None`.
    pub fn controller_index(&self, value: &Value) -> Option<usize> {
        match (self.sf_type, value) {
            (SfFieldType::Boolean, Value::Bool(b)) => Some(usize::from(*b)),
            (SfFieldType::Boolean, Value::Empty) => Some(0),
            (SfFieldType::Boolean, Value::Text(t)) => match t.trim() {
                t if t.eq_ignore_ascii_case("true") => Some(1),
                t if t.eq_ignore_ascii_case("false") => Some(0),
                _ => None,
            },
            (_, Value::Text(t)) => self.picklist_values.iter().position(|p| *p.value == **t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
