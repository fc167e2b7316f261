//! Large ingest jobs without holding their rows (reference §15.2): the upload is written row by
//! row as CSV, each row answering a key — a stable hash (FNV-1a) of its cells — and the result
//! CSVs are read back as `(key, outcome)` pairs, a row's key computed from the uploaded columns
//! the results echo (by name: Salesforce may reorder them). Rows with identical cells share a
//! key and are interchangeable.

use app::ports::{IngestData, IngestRow, IngestUpload, RemoteError};
use serde_json::{Value, json};

use crate::error::SfError;
use crate::ingest::IngestOperation;
use crate::ingest_csv::cell;
use crate::port::{remote, to_json_fields};
use crate::soql::check_identifier;
use crate::spool::Spool;

/// The columns an upload of `op` carries: `Id` first for updates and deletes (deletes nothing
/// else), then `columns`.
pub fn upload_columns(op: &IngestOperation, columns: &[String]) -> Vec<String> {
    match op {
        IngestOperation::Delete => vec!["Id".to_owned()],
        IngestOperation::Update => std::iter::once("Id".to_owned())
            .chain(columns.iter().filter(|c| *c != "Id").cloned())
            .collect(),
        _ => columns.to_vec(),
    }
}

/// A row's cells in `header` order (a field the row does not set is an empty cell).
pub fn row_cells(header: &[String], row: &IngestRow) -> Result<Vec<String>, SfError> {
    let mut fields = to_json_fields(&row.fields);
    if let Some(id) = &row.id {
        fields.insert("Id".into(), json!(id.as_str()));
    }
    header
        .iter()
        .map(|h| fields.get(h).map_or(Ok(String::new()), |v| cell(h, v)))
        .collect()
}

/// FNV-1a over the cells, each followed by a separator byte no cell text contains.
pub fn row_key<S: AsRef<str>>(cells: &[S]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in cells {
        for b in c.as_ref().bytes().chain([0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// An upload being written, spooled to a temporary file (a job's CSV reaches 100 MB).
pub struct CsvUpload {
    object: String,
    header: Vec<String>,
    writer: csv::Writer<Spool>,
    rows: usize,
}

fn spool_error(e: std::io::Error) -> SfError {
    SfError::Network {
        timeout: false,
        not_sent: true,
        detail: format!("ingest upload spool file: {e}"),
    }
}

fn csv_error(e: csv::Error) -> SfError {
    SfError::InvalidInput(format!("ingest CSV: {e}"))
}

impl CsvUpload {
    pub fn new(object: &str, op: IngestOperation, columns: &[String]) -> Result<Self, SfError> {
        let header = upload_columns(&op, columns);
        for h in &header {
            check_identifier(h)?;
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Spool::new().map_err(spool_error)?);
        writer.write_record(&header).map_err(csv_error)?;
        Ok(Self {
            object: object.to_owned(),
            header,
            writer,
            rows: 0,
        })
    }

    /// The file holding the CSV (header and rows) and its length.
    pub fn into_file(self) -> Result<(std::fs::File, u64), SfError> {
        let spool = self
            .writer
            .into_inner()
            .map_err(|e| spool_error(e.into_error()))?;
        spool.finish().map_err(spool_error)
    }
}

impl IngestUpload for CsvUpload {
    fn push(&mut self, row: &IngestRow) -> Result<u64, RemoteError> {
        let cells = row_cells(&self.header, row).map_err(|e| remote(&self.object, &e))?;
        self.writer
            .write_record(&cells)
            .map_err(|e| remote(&self.object, &csv_error(e)))?;
        self.rows += 1;
        Ok(row_key(&cells))
    }
    fn rows(&self) -> usize {
        self.rows
    }
    fn bytes(&self) -> usize {
        // The file's length lags the CSV writer's own buffer (8 KB) at most.
        usize::try_from(self.writer.get_ref().len()).unwrap_or(usize::MAX)
    }
    fn finish(self: Box<Self>) -> Result<IngestData, RemoteError> {
        let object = self.object.clone();
        let (file, len) = self.into_file().map_err(|e| remote(&object, &e))?;
        Ok(IngestData::Spooled { file, len })
    }
}

/// A value as it would stand in a cell (for tests and callers building keys by hand).
pub fn cell_of(name: &str, v: &Value) -> Result<String, SfError> {
    cell(name, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_separate_cells() {
        assert_eq!(
            row_key(&["ab", "c"]),
            row_key(&["ab".to_string(), "c".to_string()])
        );
        assert_ne!(row_key(&["ab", "c"]), row_key(&["a", "bc"]));
        assert_eq!(row_key::<&str>(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
