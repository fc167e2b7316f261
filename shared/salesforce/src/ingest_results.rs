//! A finished ingest job's result lists read back as `(row key, outcome)` pairs a chunk at a
//! time (reference §15.2; issue #15, memory flat in the record count): each list's body is
//! parsed as it arrives (`CsvStream`), never held whole. A row's key is computed from the
//! uploaded columns the results echo, by name (Salesforce may reorder them).

use std::collections::VecDeque;

use app::ports::{ChunkSource, RemoteError, WriteResult};
use async_trait::async_trait;
use domain::{ErrorCode, SfId, SyncError};
use serde_json::Value;

use crate::bulk::CsvStream;
use crate::client::SfClient;
use crate::error::SfError;
use crate::ingest::IngestResults;
use crate::ingest_csv::parse_error;
use crate::ingest_stream::row_key;
use crate::port::remote;
use crate::record::Record;

/// A cell of a result row by column name (an empty cell reads as null); an error when the
/// list lacks the column.
fn cell<'a>(row: &'a Record, name: &str) -> Result<&'a str, SfError> {
    // The map itself: `Record::get` reads an empty cell (null) as an absent column.
    match row.0.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Ok(""),
        None => Err(SfError::Decode(format!(
            "ingest results CSV lacks the column {name}"
        ))),
    }
}

/// One result row of `list` for a job uploaded with `header`: its row key and outcome.
pub fn keyed_result(
    object: &str,
    job_id: &str,
    header: &[String],
    row: &Record,
    list: IngestResults,
) -> Result<(u64, WriteResult), SfError> {
    let cells = header
        .iter()
        .map(|h| cell(row, h))
        .collect::<Result<Vec<&str>, _>>()?;
    let result = match list {
        IngestResults::Successful => {
            let id = SfId::parse(cell(row, "sf__Id")?)
                .map_err(|e| SfError::Decode(format!("sf__Id: {e}")))?;
            WriteResult::Ok(id.as_str().to_owned())
        }
        IngestResults::Failed => WriteResult::Failed(
            parse_error(cell(row, "sf__Error")?)
                .to_sync_error()
                .object(object),
        ),
        IngestResults::Unprocessed => WriteResult::Failed(
            SyncError::new(ErrorCode::RemoteUnavailable)
                .object(object)
                .detail(format!("not processed by Bulk job {job_id}")),
        ),
    };
    Ok((row_key(&cells), result))
}

/// The result lists of one job, opened one after the other (one call each) and parsed as
/// their bodies arrive.
pub(crate) struct ResultStream {
    client: SfClient,
    object: String,
    job_id: String,
    header: Vec<String>,
    lists: VecDeque<IngestResults>,
    current: Option<(IngestResults, CsvStream)>,
}

impl ResultStream {
    pub(crate) fn new(
        client: &SfClient,
        object: &str,
        job_id: &str,
        header: Vec<String>,
        lists: Vec<IngestResults>,
    ) -> Self {
        Self {
            client: client.clone(),
            object: object.to_owned(),
            job_id: job_id.to_owned(),
            header,
            lists: lists.into(),
            current: None,
        }
    }

    async fn next_pair(&mut self) -> Result<Option<(u64, WriteResult)>, SfError> {
        loop {
            let Some((list, rows)) = self.current.as_mut() else {
                let Some(list) = self.lists.pop_front() else {
                    return Ok(None);
                };
                let rows = self.client.ingest_result_rows(&self.job_id, list).await?;
                self.current = Some((list, rows));
                continue;
            };
            match rows.next_row().await? {
                Some(row) => {
                    let (object, job) = (&self.object, &self.job_id);
                    return keyed_result(object, job, &self.header, &row, *list).map(Some);
                }
                None => self.current = None,
            }
        }
    }
}

#[async_trait]
impl ChunkSource<(u64, WriteResult)> for ResultStream {
    async fn next_chunk(&mut self, n: usize) -> Result<Vec<(u64, WriteResult)>, RemoteError> {
        let mut out = Vec::with_capacity(n.min(10_000));
        while out.len() < n {
            match self.next_pair().await {
                Ok(Some(pair)) => out.push(pair),
                Ok(None) => break,
                Err(e) => return Err(remote(&self.object, &e)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestOperation;
    use crate::ingest_stream::CsvUpload;
    use app::ports::{Fields, IngestRow, IngestUpload};
    use domain::Value as V;

    fn row(last: &str, email: Option<&str>) -> IngestRow {
        let mut fields: Fields = [("LastName".to_string(), V::text(last))].into();
        if let Some(e) = email {
            fields.insert("Email".into(), V::text(e));
        }
        IngestRow { id: None, fields }
    }

    /// Every row of a result CSV body given in two chunks split inside a record.
    async fn pairs(
        header: &[String],
        body: &str,
        list: IngestResults,
    ) -> Result<Vec<(u64, WriteResult)>, SfError> {
        let (a, b) = body.as_bytes().split_at(body.len() / 2);
        let mut rows = CsvStream::from_chunks(vec![a.to_vec(), b.to_vec()]).await?;
        let mut out = Vec::new();
        while let Some(r) = rows.next_row().await? {
            out.push(keyed_result("Lead", "750x", header, &r, list)?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn results_are_matched_by_the_cells_echoed_under_their_column_names() {
        let columns = vec!["LastName".to_string(), "Email".to_string()];
        let mut up = CsvUpload::new("Lead", IngestOperation::Insert, &columns).unwrap();
        let k1 = up.push(&row("王伟", Some("w@x.example"))).unwrap();
        let k2 = up.push(&row("Ng, \"Jr\"", None)).unwrap();
        assert_ne!(k1, k2);
        // Results echo the uploaded columns after the sf__ ones, in another order.
        let ok = "sf__Id,sf__Created,Email,LastName\n00Q000000000001AAA,true,w@x.example,王伟\n";
        let got = pairs(&columns, ok, IngestResults::Successful)
            .await
            .unwrap();
        let id = SfId::parse("00Q000000000001AAA").unwrap();
        assert_eq!(got, vec![(k1, WriteResult::Ok(id.as_str().to_owned()))]);
        let failed = "sf__Id,sf__Error,LastName,Email\n,REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --,\"Ng, \"\"Jr\"\"\",\n";
        let got = pairs(&columns, failed, IngestResults::Failed)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, k2);
        assert!(
            matches!(&got[0].1, WriteResult::Failed(e) if e.code == ErrorCode::RequiredValueMissing),
            "{got:?}"
        );
        let none = pairs(&columns, "LastName,Email\n", IngestResults::Unprocessed).await;
        assert_eq!(none.unwrap(), vec![]);
    }

    #[tokio::test]
    async fn a_list_without_an_uploaded_column_is_refused() {
        let columns = vec!["LastName".to_string(), "Email".to_string()];
        let ok = "sf__Id,sf__Created,LastName\n00Q000000000001AAA,true,王伟\n";
        let err = pairs(&columns, ok, IngestResults::Successful)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("Email"), "{err}");
    }
}
