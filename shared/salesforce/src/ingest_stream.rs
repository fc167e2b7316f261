//! Large ingest jobs without holding their rows (reference §15.2): the upload is written row by
//! row as CSV, each row answering a key — a stable hash (FNV-1a) of its cells — and the result
//! CSVs are read back as `(key, outcome)` pairs, a row's key computed from the uploaded columns
//! the results echo (by name: Salesforce may reorder them). Rows with identical cells share a
//! key and are interchangeable.

use app::ports::{IngestData, IngestRow, IngestUpload, RemoteError, WriteResult};
use domain::{ErrorCode, SfId, SyncError};
use serde_json::{Value, json};

use crate::error::SfError;
use crate::ingest::IngestOperation;
use crate::ingest_csv::{cell, parse_error};
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

/// Which result list a CSV is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultList {
    Successful,
    Failed,
    Unprocessed,
}

/// `(key, outcome)` of every row of one result CSV of a job uploaded with `header`.
pub fn keyed_rows(
    object: &str,
    job_id: &str,
    header: &[String],
    body: &[u8],
    list: ResultList,
) -> Result<Vec<(u64, WriteResult)>, SfError> {
    let bad = |e: csv::Error| SfError::Decode(format!("ingest results CSV: {e}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let names = reader.headers().map_err(bad)?.clone();
    let column = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| SfError::Decode(format!("ingest results CSV lacks the column {name}")))
    };
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut positions: Option<(Vec<usize>, Option<usize>, Option<usize>)> = None;
    while reader.read_record(&mut record).map_err(bad)? {
        let (keys, id, error) = match &positions {
            Some(p) => p,
            None => {
                let keys = header.iter().map(|h| column(h)).collect::<Result<_, _>>()?;
                let id = (list == ResultList::Successful)
                    .then(|| column("sf__Id"))
                    .transpose()?;
                let error = (list == ResultList::Failed)
                    .then(|| column("sf__Error"))
                    .transpose()?;
                positions.insert((keys, id, error))
            }
        };
        let get = |i: usize| record.get(i).unwrap_or_default();
        let cells: Vec<&str> = keys.iter().map(|i| get(*i)).collect();
        let result = match (list, id, error) {
            (ResultList::Successful, Some(id), _) => {
                let id =
                    SfId::parse(get(*id)).map_err(|e| SfError::Decode(format!("sf__Id: {e}")))?;
                WriteResult::Ok(id.as_str().to_owned())
            }
            (ResultList::Failed, _, Some(error)) => {
                WriteResult::Failed(parse_error(get(*error)).to_sync_error().object(object))
            }
            _ => WriteResult::Failed(
                SyncError::new(ErrorCode::RemoteUnavailable)
                    .object(object)
                    .detail(format!("not processed by Bulk job {job_id}")),
            ),
        };
        out.push((row_key(&cells), result));
    }
    Ok(out)
}

/// A value as it would stand in a cell (for tests and callers building keys by hand).
pub fn cell_of(name: &str, v: &Value) -> Result<String, SfError> {
    cell(name, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ports::Fields;
    use domain::Value as V;

    fn row(last: &str, email: Option<&str>) -> IngestRow {
        let mut fields: Fields = [("LastName".to_string(), V::text(last))].into();
        if let Some(e) = email {
            fields.insert("Email".into(), V::text(e));
        }
        IngestRow { id: None, fields }
    }

    #[test]
    fn results_are_matched_by_the_cells_echoed_under_their_column_names() {
        let columns = vec!["LastName".to_string(), "Email".to_string()];
        let mut up = CsvUpload::new("Lead", IngestOperation::Insert, &columns).unwrap();
        let k1 = up.push(&row("王伟", Some("w@x.example"))).unwrap();
        let k2 = up.push(&row("Ng, \"Jr\"", None)).unwrap();
        assert_ne!(k1, k2);
        assert_eq!(up.rows(), 2);
        let (file, len) = up.into_file().unwrap();
        let mut csv = vec![0; usize::try_from(len).unwrap()];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut csv, 0).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("LastName,Email\n"), "{csv}");
        // Results echo the uploaded columns after the sf__ ones, in another order.
        let ok = "sf__Id,sf__Created,Email,LastName\n00Q000000000001AAA,true,w@x.example,王伟\n";
        let got = keyed_rows(
            "Lead",
            "750x",
            &columns,
            ok.as_bytes(),
            ResultList::Successful,
        )
        .unwrap();
        let id = SfId::parse("00Q000000000001AAA").unwrap();
        assert_eq!(got, vec![(k1, WriteResult::Ok(id.as_str().to_owned()))]);
        let failed = "sf__Id,sf__Error,LastName,Email\n,REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --,\"Ng, \"\"Jr\"\"\",\n";
        let got = keyed_rows(
            "Lead",
            "750x",
            &columns,
            failed.as_bytes(),
            ResultList::Failed,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, k2);
        assert!(
            matches!(&got[0].1, WriteResult::Failed(e) if e.code == ErrorCode::RequiredValueMissing),
            "{got:?}"
        );
        let none = keyed_rows(
            "Lead",
            "750x",
            &columns,
            b"LastName,Email\n",
            ResultList::Unprocessed,
        );
        assert_eq!(none.unwrap(), vec![]);
    }

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
