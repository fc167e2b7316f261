//! Resolving names against the schema and literals against field types.

use super::ast::{FieldRef, Lit, parent_field};
use super::lexer::SChar;
use crate::errors::ApiError;
use crate::schema::Object;

/// A string used with `=`/`IN`: wildcard escapes are illegal outside LIKE.
pub fn plain_text(s: &[SChar]) -> Result<String, ApiError> {
    s.iter()
        .map(|c| match c {
            SChar::Lit(c) => Ok(*c),
            SChar::Escaped(c) => Err(ApiError::malformed_query(format!(
                "Invalid string literal. Illegal escape sequence '\\{c}'"
            ))),
        })
        .collect()
}

pub fn id_literal(s: &[SChar]) -> Result<Lit, ApiError> {
    let text = plain_text(s)?;
    if text.is_empty() {
        return Ok(Lit::Text(text));
    }
    domain::ids::SfId::parse(&text)
        .map(|id| Lit::Text(id.to_string()))
        .map_err(|_| {
            ApiError::bad_request(
                "INVALID_QUERY_FILTER_OPERATOR",
                format!("invalid ID field: {text}"),
            )
        })
}

fn no_such_column(obj: &Object, name: &str) -> ApiError {
    ApiError::bad_request(
        "INVALID_FIELD",
        format!(
            "\nSELECT {name} FROM {0}\n       ^\nERROR at Row:1:Column:8\nNo such column '{name}' on entity '{0}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            obj.name
        ),
    )
}

pub fn resolve_field(obj: &'static Object, name: &str) -> Result<FieldRef, ApiError> {
    match name.split('.').collect::<Vec<_>>().as_slice() {
        [one] => obj
            .field(one)
            .map(FieldRef::Direct)
            .ok_or_else(|| no_such_column(obj, name)),
        [rel, field] => {
            let lookup = obj.relationship(rel).ok_or_else(|| {
                ApiError::bad_request("INVALID_FIELD", format!("Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name."))
            })?;
            let target = parent_field(lookup, field).ok_or_else(|| no_such_column(obj, name))?;
            Ok(FieldRef::Parent {
                lookup,
                relationship: lookup.relationship.unwrap_or_default(),
                field: target.name,
            })
        }
        _ => Err(ApiError::malformed_query(format!(
            "only one level of parent relationship is supported: {name}"
        ))),
    }
}

pub fn resolve_select(obj: &'static Object, names: &[String]) -> Result<Vec<FieldRef>, ApiError> {
    let mut out: Vec<FieldRef> = vec![];
    for n in names {
        let f = resolve_field(obj, n)?;
        if out.iter().any(|o| o.label() == f.label()) {
            return Err(ApiError::malformed_query(format!(
                "duplicate field selected: {}",
                f.label()
            )));
        }
        out.push(f);
    }
    Ok(out)
}
