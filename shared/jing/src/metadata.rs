//! Field metadata (codes, types, options, required) for mapping validation, and the field-type
//! table used to decode values.

use crate::client::JingClient;
use crate::contract::fields as f;
use crate::envelope::FieldMetaData;
use crate::error::JingError;
use domain::{FieldType, ObjectKind, ObjectSpec};
use serde_json::json;
use std::collections::HashMap;

/// One field of a JING object as the metadata endpoint describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMeta {
    pub code: String,
    pub label: String,
    pub ty: FieldType,
    pub required: bool,
    /// Allowed option values (option fields only).
    pub options: Vec<String>,
    pub enabled: bool,
}

impl FieldMeta {
    fn from_wire(d: FieldMetaData) -> Self {
        Self {
            ty: jing_type(&d.field_type, d.max_length),
            options: d.options.into_iter().map(|o| o.value).collect(),
            code: d.code,
            label: d.name,
            required: d.required,
            enabled: d.enabled,
        }
    }
}

/// JING type name → our field type. Unknown types are treated as long text so values survive.
pub fn jing_type(name: &str, max_len: Option<u32>) -> FieldType {
    match name {
        "email" => FieldType::Email,
        "phone" | "mobile" => FieldType::Phone,
        "url" => FieldType::Url,
        "select" => FieldType::Picklist,
        "multi_select" => FieldType::MultiPicklist,
        "number" => FieldType::Number,
        "date" => FieldType::Date,
        "datetime" => FieldType::DateTime,
        "boolean" => FieldType::Boolean,
        "reference" => FieldType::Reference,
        "textarea" => FieldType::Text {
            max_len: max_len.unwrap_or(4000),
        },
        _ => FieldType::Text {
            max_len: max_len.unwrap_or(255),
        },
    }
}

/// Field code → type, for decoding values of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldTypes(HashMap<String, FieldType>);

impl FieldTypes {
    /// The type of a field nobody described.
    pub const FALLBACK: FieldType = FieldType::Text { max_len: 4000 };

    /// The JING-side types of the default mappings of `kind` (no call needed).
    pub fn defaults(kind: ObjectKind) -> Self {
        let spec = ObjectSpec::of(kind);
        Self(
            spec.defaults
                .iter()
                .map(|d| (d.jing.name.to_owned(), d.jing.ty))
                .collect(),
        )
    }

    pub fn from_metadata(fields: &[FieldMeta]) -> Self {
        Self(fields.iter().map(|m| (m.code.clone(), m.ty)).collect())
    }

    pub fn with(mut self, code: impl Into<String>, ty: FieldType) -> Self {
        self.0.insert(code.into(), ty);
        self
    }

    pub fn of(&self, code: &str) -> FieldType {
        self.0.get(code).copied().unwrap_or(Self::FALLBACK)
    }
}

impl JingClient {
    /// Every field of `object` with its type, options and whether it is required on create.
    pub async fn field_metadata(&self, object: &str) -> Result<Vec<FieldMeta>, JingError> {
        #[derive(serde::Deserialize)]
        struct Data {
            fields: Vec<FieldMetaData>,
        }
        let path = self.contract().paths.object_fields.clone();
        let body = json!({ f::OBJECT_NAME: object });
        let data: Data = self.call("object_fields", &path, &body, object).await?;
        Ok(data.fields.into_iter().map(FieldMeta::from_wire).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_types_come_from_the_spec() {
        let t = FieldTypes::defaults(ObjectKind::Lead);
        assert_eq!(t.of("life_status"), FieldType::Picklist);
        assert_eq!(t.of("email"), FieldType::Email);
        assert_eq!(t.of("no_such_field"), FieldTypes::FALLBACK);
    }

    #[test]
    fn wire_types_map_to_field_types() {
        assert_eq!(jing_type("multi_select", None), FieldType::MultiPicklist);
        assert_eq!(jing_type("text", Some(80)), FieldType::Text { max_len: 80 });
        assert_eq!(
            jing_type("some_future_type", None),
            FieldType::Text { max_len: 255 }
        );
    }
}
