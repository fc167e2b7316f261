//! The CSV side of Bulk API 2.0 ingest (reference §15.2): records become one upload, and the
//! result CSVs become one outcome per input row, in input order.
//!
//! Results come back in no particular order, with the uploaded columns echoed after the `sf__`
//! columns (possibly reordered). A row is found again by the cells it was uploaded with, read
//! by column name: the `Id` of an update or delete, the external id of an upsert, or the whole
//! row of an insert. Rows uploaded with identical cells are interchangeable, so which of them
//! gets which of their (equal-cell) results does not matter.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::collections::SfRecordError;
use crate::error::SfError;
use crate::record::Fields;
use crate::soql::check_identifier;
use domain::SfId;

/// Salesforce's null in an ingest CSV; an empty cell leaves a field as it is.
pub const CSV_NULL: &str = "#N/A";

/// What became of one input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestRowResult {
    /// Written; `created` is false for updates, deletes and upserts that matched.
    Done { id: SfId, created: bool },
    /// Refused, with the error Salesforce gave (`sf__Error`).
    Failed(SfRecordError),
    /// Never processed (the job failed or was aborted first): safe to send again.
    Unprocessed,
}

/// One upload built from records, remembering each row's cells to match the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestCsv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// A field value as a CSV cell: null and empty text clear the field (`#N/A`, as REST's null
/// and `""` do); a field a record leaves out is an empty cell.
pub(crate) fn cell(name: &str, v: &Value) -> Result<String, SfError> {
    match v {
        Value::Null => Ok(CSV_NULL.to_owned()),
        Value::String(s) if s.is_empty() => Ok(CSV_NULL.to_owned()),
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Array(_) | Value::Object(_) => Err(SfError::InvalidInput(format!(
            "field {name} holds a nested value, which a CSV cannot carry"
        ))),
    }
}

impl IngestCsv {
    /// Columns: every field any record sets, in first-seen order (`attributes` skipped).
    pub fn build(records: &[Fields]) -> Result<IngestCsv, SfError> {
        let mut header: Vec<String> = Vec::new();
        for name in records.iter().flat_map(|r| r.keys()) {
            if name != "attributes" && !header.contains(name) {
                check_identifier(name)?;
                header.push(name.clone());
            }
        }
        let rows = records
            .iter()
            .map(|r| {
                header
                    .iter()
                    .map(|h| r.get(h).map_or(Ok(String::new()), |v| cell(h, v)))
                    .collect::<Result<Vec<String>, SfError>>()
            })
            .collect::<Result<_, _>>()?;
        Ok(IngestCsv { header, rows })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The upload: header, then rows; LF line endings, cells quoted when they need it.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SfError> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let write_err = |e: csv::Error| SfError::InvalidInput(format!("ingest CSV: {e}"));
        w.write_record(&self.header).map_err(write_err)?;
        for row in &self.rows {
            w.write_record(row).map_err(write_err)?;
        }
        w.into_inner()
            .map_err(|e| SfError::InvalidInput(format!("ingest CSV: {e}")))
    }

    /// One outcome per input row, in input order, from the three result CSVs.
    pub fn outcomes(
        &self,
        successful: &[u8],
        failed: &[u8],
        unprocessed: &[u8],
    ) -> Result<Vec<IngestRowResult>, SfError> {
        let mut waiting: HashMap<&[String], VecDeque<usize>> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            waiting.entry(row.as_slice()).or_default().push_back(i);
        }
        let mut out = vec![IngestRowResult::Unprocessed; self.rows.len()];
        for (body, kind) in [
            (successful, Kind::Successful),
            (failed, Kind::Failed),
            (unprocessed, Kind::Unprocessed),
        ] {
            for (key, result) in self.read(body, kind)? {
                let i = waiting
                    .get_mut(key.as_slice())
                    .and_then(VecDeque::pop_front)
                    .ok_or_else(|| {
                        SfError::Decode(format!(
                            "an ingest result matches no uploaded row: {key:?}"
                        ))
                    })?;
                out[i] = result;
            }
        }
        Ok(out)
    }

    /// The rows of one result CSV: each row's uploaded cells (by column name) and its outcome.
    fn read(
        &self,
        body: &[u8],
        kind: Kind,
    ) -> Result<Vec<(Vec<String>, IngestRowResult)>, SfError> {
        let bad = |e: csv::Error| {
            SfError::Decode(format!(
                "ingest results CSV: {}",
                domain::redact::quoted(&e.to_string())
            ))
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(body);
        let names = reader.headers().map_err(bad)?.clone();
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let column = |name: &str| {
            names.iter().position(|n| n == name).ok_or_else(|| {
                SfError::Decode(format!(
                    "ingest results CSV lacks the uploaded column {name}"
                ))
            })
        };
        let keys = self
            .header
            .iter()
            .map(|h| column(h))
            .collect::<Result<Vec<_>, _>>()?;
        let (first, second) = match kind {
            Kind::Successful => (Some(column("sf__Id")?), Some(column("sf__Created")?)),
            Kind::Failed => (None, Some(column("sf__Error")?)),
            Kind::Unprocessed => (None, None),
        };
        let mut out = Vec::new();
        for row in records {
            let get = |i: usize| row.get(i).unwrap_or_default();
            let key: Vec<String> = keys.iter().map(|i| get(*i).to_owned()).collect();
            let result = match (kind, first, second) {
                (Kind::Successful, Some(id), Some(created)) => IngestRowResult::Done {
                    id: SfId::parse(get(id))
                        .map_err(|e| SfError::Decode(format!("sf__Id: {e}")))?,
                    created: get(created).eq_ignore_ascii_case("true"),
                },
                (Kind::Failed, _, Some(error)) => IngestRowResult::Failed(parse_error(get(error))),
                _ => IngestRowResult::Unprocessed,
            };
            out.push((key, result));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Successful,
    Failed,
    Unprocessed,
}

/// `sf__Error`: `CODE:message:fields--` (the message may itself hold colons).
pub fn parse_error(raw: &str) -> SfRecordError {
    let (code, rest) = raw.split_once(':').unwrap_or((raw, ""));
    let (message, fields) = match rest.strip_suffix("--").and_then(|r| r.rsplit_once(':')) {
        Some((message, fields)) => (message, fields),
        None => (rest, ""),
    };
    SfRecordError {
        status_code: code.trim().to_owned(),
        message: message.trim().to_owned(),
        fields: fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

#[cfg(test)]
#[path = "ingest_csv_tests.rs"]
mod tests;
