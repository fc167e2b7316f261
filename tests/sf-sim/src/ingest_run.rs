//! Running a Bulk API 2.0 ingest job (§15.2): the uploaded CSV is checked as Salesforce checks
//! it (line endings, header), then every row is written through the same DML as REST and
//! collections writes (validation, required fields, picklists, lengths, duplicate rules, locks).

use crate::collections::{parse_record_id, update_one};
use crate::collections_upsert::upsert_one;
use crate::dml::{self, DmlResult, WriteOpts};
use crate::errors::DmlError;
use crate::schema::{Field, Object};
use crate::state::Org;
use serde_json::{Map, Value, json};

/// Salesforce's null in a CSV cell; an empty cell leaves the field alone.
pub const CSV_NULL: &str = "#N/A";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Insert,
    Update,
    Upsert,
    Delete,
}

/// What one row came to.
#[derive(Debug, Clone)]
pub enum RowResult {
    Done { id: String, created: bool },
    Failed(Vec<DmlError>),
}

/// The uploaded CSV, split into its header and rows (cells unescaped).
#[derive(Debug, Clone, Default)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The job's `errorMessage` when its data is refused as a whole.
pub type JobError = String;

/// Record terminators outside quoted values must match the job's `lineEnding`.
pub fn check_line_endings(data: &[u8], crlf: bool) -> Result<(), JobError> {
    let mut quoted = false;
    for (i, b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted && (i > 0 && data[i - 1] == b'\r') != crlf => {
                let setting = if crlf { "CRLF" } else { "LF" };
                return Err(format!(
                    "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {setting}"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parse the upload: a header row of field names, then rows of as many cells.
pub fn parse(data: &[u8], delimiter: u8, obj: &Object) -> Result<Csv, JobError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(data);
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(str::to_owned).collect(),
        Some(Err(e)) => return Err(format!("ClientInputError : {e}")),
        None => return Err("InvalidBatch : Empty CSV: no header row".to_owned()),
    };
    check_header(obj, &header)?;
    let rows = records
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| format!("InvalidBatch : {e}"))
        })
        .collect::<Result<Vec<Vec<String>>, _>>()?;
    Ok(Csv { header, rows })
}

fn check_header(obj: &Object, header: &[String]) -> Result<(), JobError> {
    for (i, name) in header.iter().enumerate() {
        if obj.field(name).is_none() {
            return Err(format!("InvalidBatch : Field name not found : {name}"));
        }
        if header[..i].iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return Err(format!("InvalidBatch : Duplicate field name: {name}"));
        }
    }
    Ok(())
}

/// Write every row in upload order (earlier rows win duplicate rules against later ones).
pub fn run(
    org: &mut Org,
    obj: &'static Object,
    op: Operation,
    external_id: Option<&'static Field>,
    csv: &Csv,
    opts: &WriteOpts,
) -> Vec<RowResult> {
    csv.rows
        .iter()
        .map(|row| {
            let body = body(&csv.header, row);
            let result = match op {
                Operation::Insert => {
                    dml::create(org, obj, &body, opts).map(|id| (id.to_string(), true))
                }
                Operation::Update => update(org, obj, body, opts),
                Operation::Upsert => upsert(org, obj, external_id, body, opts),
                Operation::Delete => delete(org, obj, &body, opts),
            };
            match result {
                Ok((id, created)) => RowResult::Done { id, created },
                Err(errors) => RowResult::Failed(errors),
            }
        })
        .collect()
}

/// The row as an sObject body: empty cells are left out, `#N/A` is null.
fn body(header: &[String], row: &[String]) -> Map<String, Value> {
    header
        .iter()
        .zip(row)
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(name, cell)| {
            let value = if cell == CSV_NULL {
                Value::Null
            } else {
                json!(cell)
            };
            (name.clone(), value)
        })
        .collect()
}

fn take_id(body: &mut Map<String, Value>) -> Option<String> {
    let key = body.keys().find(|k| k.eq_ignore_ascii_case("Id"))?.clone();
    body.remove(&key)?.as_str().map(str::to_owned)
}

fn update(
    org: &mut Org,
    obj: &'static Object,
    mut body: Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<(String, bool)> {
    let raw = take_id(&mut body);
    update_one(org, obj, raw.as_deref(), &body, opts)?;
    let id = parse_record_id(obj, raw.as_deref().unwrap_or_default())?;
    Ok((id.to_string(), false))
}

fn upsert(
    org: &mut Org,
    obj: &'static Object,
    external_id: Option<&'static Field>,
    mut body: Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<(String, bool)> {
    let Some(ext) = external_id else {
        return Err(vec![DmlError::new(
            "MISSING_ARGUMENT",
            "externalIdFieldName not specified",
        )]);
    };
    body.insert("attributes".into(), json!({"type": obj.name}));
    upsert_one(org, obj, ext, &body, opts).map(|(id, created)| (id.to_string(), created))
}

fn delete(
    org: &mut Org,
    obj: &'static Object,
    body: &Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<(String, bool)> {
    let mut body = body.clone();
    let raw = take_id(&mut body).ok_or_else(|| {
        vec![DmlError::new(
            "MISSING_ARGUMENT",
            "Id not specified in a delete call",
        )]
    })?;
    let id = parse_record_id(obj, &raw)?;
    dml::delete(org, obj, &id, opts)?;
    Ok((id.to_string(), false))
}

/// `sf__Error`: `CODE:message:fields--`.
pub fn error_text(errors: &[DmlError]) -> String {
    errors
        .first()
        .map(|e| format!("{}:{}:{}--", e.code, e.message, e.fields.join(",")))
        .unwrap_or_default()
}

/// A results CSV: every value quoted, LF line endings.
pub fn render(rows: impl IntoIterator<Item = Vec<String>>, delimiter: u8) -> String {
    let sep = (delimiter as char).to_string();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        out.push_str(&cells.join(&sep));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_judged_outside_quoted_values() {
        assert!(check_line_endings(b"LastName\n\"a\r\nb\"\n", false).is_ok());
        let err = check_line_endings(b"LastName\r\nNg\r\n", false).unwrap_err();
        assert!(err.ends_with("Current LineEnding setting is LF"), "{err}");
        assert!(check_line_endings(b"LastName\r\nNg\r\n", true).is_ok());
        assert!(check_line_endings(b"LastName\nNg\n", true).is_err());
    }

    #[test]
    fn headers_must_name_fields_once() {
        let lead = crate::schema::object("Lead").unwrap();
        let csv = parse(b"LastName,Company\nNg,\"Acme, Inc\"\n", b',', lead).unwrap();
        assert_eq!(
            csv.rows,
            vec![vec!["Ng".to_owned(), "Acme, Inc".to_owned()]]
        );
        let err = parse(b"LastName,Nope__c\nNg,x\n", b',', lead).unwrap_err();
        assert_eq!(err, "InvalidBatch : Field name not found : Nope__c");
        assert!(parse(b"LastName,lastname\nNg,Ng\n", b',', lead).is_err());
        assert!(parse(b"", b',', lead).is_err());
        assert!(
            parse(b"LastName,Company\nNg\n", b',', lead).is_err(),
            "ragged row"
        );
    }
}
