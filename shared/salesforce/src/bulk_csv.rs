//! Bulk 2.0 CSV results (header row, quoted values, empty = null), parsed one record at a time
//! (reference §15.1). [`CsvStream`] parses straight from the HTTP body as its chunks arrive: a
//! 50,000-row page is held neither as records nor as raw bytes (issue #15).

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::SfError;
use crate::record::Record;
use crate::transport::network_error;

pub(crate) fn csv_error(what: &str, e: &csv::Error) -> SfError {
    SfError::Decode(format!(
        "{what}: {}",
        domain::redact::quoted(&e.to_string())
    ))
}

/// A row under its column names; an empty cell is null.
fn to_record(headers: &csv::StringRecord, row: &csv::StringRecord) -> Record {
    let mut map = Map::with_capacity(headers.len());
    for (name, value) in headers.iter().zip(row.iter()) {
        let v = if value.is_empty() {
            Value::Null
        } else {
            Value::String(value.to_owned())
        };
        map.insert(name.to_owned(), v);
    }
    Record(map)
}

/// The rows of a CSV body already in memory, parsed one at a time.
pub struct CsvRows {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    headers: csv::StringRecord,
    row: csv::StringRecord,
}

impl CsvRows {
    pub fn new(body: Vec<u8>) -> Result<Self, SfError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(std::io::Cursor::new(body));
        let headers = reader
            .headers()
            .map_err(|e| csv_error("bulk CSV header", &e))?
            .clone();
        Ok(Self {
            reader,
            headers,
            row: csv::StringRecord::new(),
        })
    }

    /// The column names.
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.headers.iter()
    }
}

impl Iterator for CsvRows {
    type Item = Result<Record, SfError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.row) {
            Ok(false) => None,
            Err(e) => Some(Err(csv_error("bulk CSV", &e))),
            Ok(true) => Some(Ok(to_record(&self.headers, &self.row))),
        }
    }
}

/// The bytes of a body, chunk by chunk (an HTTP response, or chunks given in tests).
enum Chunks {
    /// A response and how long to wait for each chunk.
    Http(reqwest::Response, Duration),
    Given(VecDeque<Vec<u8>>),
    Ended,
}

impl Chunks {
    async fn next(&mut self) -> Result<Option<Vec<u8>>, SfError> {
        let chunk = match self {
            Self::Http(resp, timeout) => tokio::time::timeout(*timeout, resp.chunk())
                .await
                .map_err(|_| SfError::Network {
                    timeout: true,
                    not_sent: false,
                    detail: format!("bulk results: no data within {timeout:?}"),
                })?
                .map_err(network_error)?
                .map(|b| b.to_vec()),
            Self::Given(chunks) => chunks.pop_front(),
            Self::Ended => None,
        };
        if chunk.is_none() {
            *self = Self::Ended;
        }
        Ok(chunk)
    }
}

/// The rows of a CSV body parsed as its chunks arrive. Only complete records are parsed: a
/// record ends at a line feed outside quotes (a `""` escape flips the quote state twice), so
/// at most one chunk and one partial record are held.
pub struct CsvStream {
    chunks: Chunks,
    /// Bytes not parsed yet: an incomplete record at most between reads.
    pending: Vec<u8>,
    /// How much of `pending` the quote scan has seen, and whether it ended inside quotes.
    scanned: usize,
    in_quotes: bool,
    headers: Option<csv::StringRecord>,
    ready: VecDeque<Record>,
}

impl CsvStream {
    /// Start reading `resp`'s body: its first chunks, up to the header row.
    pub(crate) async fn open(resp: reqwest::Response, timeout: Duration) -> Result<Self, SfError> {
        Self::start(Chunks::Http(resp, timeout)).await
    }

    /// A body given as chunks (tests: records split anywhere between chunks).
    pub async fn from_chunks(chunks: Vec<Vec<u8>>) -> Result<Self, SfError> {
        Self::start(Chunks::Given(chunks.into())).await
    }

    async fn start(chunks: Chunks) -> Result<Self, SfError> {
        let mut s = Self {
            chunks,
            pending: Vec::new(),
            scanned: 0,
            in_quotes: false,
            headers: None,
            ready: VecDeque::new(),
        };
        while s.headers.is_none() && s.read_more().await? {}
        Ok(s)
    }

    /// The column names (none for an empty body).
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().flat_map(|h| h.iter())
    }

    /// The next row; `None` once the body is read.
    pub async fn next_row(&mut self) -> Result<Option<Record>, SfError> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Ok(Some(r));
            }
            if !self.read_more().await? {
                return Ok(None);
            }
        }
    }

    /// Read one more chunk and parse the records it completes; false once the body has ended.
    async fn read_more(&mut self) -> Result<bool, SfError> {
        if matches!(self.chunks, Chunks::Ended) {
            return Ok(false);
        }
        match self.chunks.next().await? {
            Some(chunk) => {
                self.pending.extend_from_slice(&chunk);
                let end = self.complete_prefix();
                self.parse(end)?;
            }
            // The last record may lack its line feed.
            None => self.parse(self.pending.len())?,
        }
        Ok(true)
    }

    /// The length of `pending`'s complete records.
    fn complete_prefix(&mut self) -> usize {
        let mut end = 0;
        for (i, b) in self.pending.iter().enumerate().skip(self.scanned) {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => end = i + 1,
                _ => {}
            }
        }
        self.scanned = self.pending.len();
        end
    }

    /// Parse the complete records `pending[..end]` into `ready`, then drop those bytes.
    fn parse(&mut self, end: usize) -> Result<(), SfError> {
        if end == 0 {
            return Ok(());
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&self.pending[..end]);
        let mut row = csv::StringRecord::new();
        while reader
            .read_record(&mut row)
            .map_err(|e| csv_error("bulk CSV", &e))?
        {
            match &self.headers {
                Some(headers) if headers.len() != row.len() => {
                    return Err(SfError::Decode(format!(
                        "bulk CSV: a record of {} fields under {} columns",
                        row.len(),
                        headers.len()
                    )));
                }
                Some(headers) => self.ready.push_back(to_record(headers, &row)),
                None => self.headers = Some(row.clone()),
            }
        }
        self.pending.drain(..end);
        self.scanned -= end.min(self.scanned);
        Ok(())
    }
}

#[cfg(test)]
#[path = "bulk_csv_tests.rs"]
mod tests;
