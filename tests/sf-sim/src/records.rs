//! Rendering rows as REST record JSON and resolving ids/types from URLs.

use crate::errors::ApiError;
use crate::schema::{self, Field, Object};
use crate::state::Org;
use crate::store::Row;
use axum::http::StatusCode;
use domain::ids::SfId;
use serde_json::{Map, Value, json};

/// `{"type","url"}` as in every record.
pub fn attributes(version: &str, object: &str, id: &str) -> Value {
    json!({"type": object, "url": Org::record_url(version, object, id)})
}

/// Row as REST JSON: `attributes` then the chosen fields (all when `fields` is None).
pub fn render(row: &Row, obj: &Object, version: &str, fields: Option<&[&'static Field]>) -> Value {
    let id = row.text("Id").unwrap_or_default();
    let mut out = Map::new();
    out.insert("attributes".into(), attributes(version, obj.name, id));
    let all: Vec<&'static Field> = obj.all_fields().collect();
    for f in fields.unwrap_or(&all) {
        out.insert(f.name.to_owned(), row.get(f.name).clone());
    }
    Value::Object(out)
}

/// Object from a URL segment, or 404 as Salesforce answers unknown sObject URLs.
pub fn object_from_url(name: &str) -> Result<&'static Object, ApiError> {
    schema::object(name).ok_or_else(ApiError::not_found)
}

/// Object named in a body or query (`INVALID_TYPE`).
pub fn object_from_name(name: &str) -> Result<&'static Object, ApiError> {
    schema::object(name).ok_or_else(|| {
        ApiError::bad_request("INVALID_TYPE", format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name."))
    })
}

/// A record id from a URL: malformed → 400 `MALFORMED_ID`; another object's id → 404.
pub fn id_from_url(obj: &Object, raw: &str) -> Result<SfId, ApiError> {
    let id = SfId::parse(raw)
        .map_err(|_| ApiError::bad_request("MALFORMED_ID", format!("malformed id {raw}")))?;
    if id.key_prefix() != obj.prefix {
        return Err(ApiError::not_found());
    }
    Ok(id)
}

/// `?fields=A,B` resolved against the schema.
pub fn field_list(obj: &Object, raw: &str) -> Result<Vec<&'static Field>, ApiError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            obj.field(name).ok_or_else(|| {
                ApiError::bad_request("INVALID_FIELD", format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", obj.name))
            })
        })
        .collect()
}

/// Status for a single-record DML failure: missing/deleted rows are 404, the rest 400.
pub fn dml_status(errors: &[crate::errors::DmlError]) -> StatusCode {
    match errors.first().map(|e| e.code.as_str()) {
        Some("NOT_FOUND") | Some("ENTITY_IS_DELETED") => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}
