//! What an ingest job is asked to do (`POST /jobs/ingest` body), checked as Salesforce checks
//! it before the job exists.

use crate::errors::ApiError;
use crate::ingest_run::Operation;
use crate::records::object_from_name;
use crate::schema::{Field, Object};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct JobSpec {
    pub object: &'static Object,
    pub operation: Operation,
    /// Upserts: the field rows are matched on.
    pub external_id: Option<&'static Field>,
    pub crlf: bool,
    /// The `columnDelimiter` name and its character.
    pub delimiter: (&'static str, u8),
    pub assignment_rule: Option<String>,
}

const OPERATIONS: &[(&str, Operation)] = &[
    ("insert", Operation::Insert),
    ("update", Operation::Update),
    ("upsert", Operation::Upsert),
    ("delete", Operation::Delete),
];

const DELIMITERS: &[(&str, u8)] = &[
    ("BACKQUOTE", b'`'),
    ("CARET", b'^'),
    ("COMMA", b','),
    ("PIPE", b'|'),
    ("SEMICOLON", b';'),
    ("TAB", b'\t'),
];

pub fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

fn one_of<T: Copy>(table: &[(&'static str, T)], name: &str) -> Option<(&'static str, T)> {
    table.iter().find(|(n, _)| *n == name).copied()
}

impl JobSpec {
    pub fn parse(body: &Map<String, Value>) -> Result<JobSpec, ApiError> {
        let object =
            text(body, "object").ok_or_else(|| invalid_job("InvalidJob : object is required"))?;
        let object = object_from_name(object)?;
        let op = text(body, "operation").unwrap_or("");
        let (_, operation) = one_of(OPERATIONS, op)
            .ok_or_else(|| invalid_job(format!("InvalidJob : Invalid operation: {op}")))?;
        if !object.writable {
            let name = object.name;
            let msg = format!("InvalidJob : Entity '{name}' is not supported by the Bulk API");
            return Err(invalid_job(msg));
        }
        if text(body, "contentType").is_some_and(|c| c != "CSV") {
            return Err(invalid_job("InvalidJob : contentType must be CSV"));
        }
        Ok(JobSpec {
            object,
            operation,
            external_id: external_id(body, object, operation)?,
            crlf: line_ending(body)?,
            delimiter: delimiter(body)?,
            assignment_rule: text(body, "assignmentRuleId").map(str::to_owned),
        })
    }

    pub fn operation_name(&self) -> &'static str {
        OPERATIONS
            .iter()
            .find(|(_, o)| *o == self.operation)
            .map_or("insert", |(n, _)| n)
    }
}

/// `lineEnding`: LF (the default) or CRLF.
fn line_ending(body: &Map<String, Value>) -> Result<bool, ApiError> {
    match text(body, "lineEnding").unwrap_or("LF") {
        "LF" => Ok(false),
        "CRLF" => Ok(true),
        other => Err(invalid_job(format!(
            "InvalidJob : Invalid lineEnding: {other}"
        ))),
    }
}

fn delimiter(body: &Map<String, Value>) -> Result<(&'static str, u8), ApiError> {
    let name = text(body, "columnDelimiter").unwrap_or("COMMA");
    one_of(DELIMITERS, name)
        .ok_or_else(|| invalid_job(format!("InvalidJob : Invalid columnDelimiter: {name}")))
}

/// An upsert names an external id field of the object; other operations ignore it.
fn external_id(
    body: &Map<String, Value>,
    object: &'static Object,
    operation: Operation,
) -> Result<Option<&'static Field>, ApiError> {
    if operation != Operation::Upsert {
        return Ok(None);
    }
    let name = text(body, "externalIdFieldName")
        .ok_or_else(|| invalid_job("InvalidJob : External ID field name is required for upsert"))?;
    let field = object
        .field(name)
        .filter(|f| f.external_id)
        .ok_or_else(|| {
            let on = object.name;
            invalid_job(format!(
                "InvalidJob : The field {name} is not an external ID field on {on}"
            ))
        })?;
    Ok(Some(field))
}
