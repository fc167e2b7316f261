//! The Bulk API 2.0 half of `app::ports::SalesforcePort`, for big backfills: start a query job,
//! ask its state once, read one CSV results page. Every call is one API call; nothing waits here
//! (the caller decides when to ask again), so a restart can continue from a saved job id and
//! locator.

use app::ports::{
    BulkJobRef, BulkJobState, BulkPage, BulkRecords, ChunkSource, RemoteError, SfRecord,
};
use async_trait::async_trait;
use domain::FieldType;
use domain::describe::SfObjectDescribe;
use serde_json::Value as Json;
use std::collections::HashMap;

use crate::bulk::CsvStream;
use crate::client::SfClient;
use crate::error::SfError;
use crate::port::remote;
use crate::port_read::{select_list, sf_record};
use crate::record::Record;
use crate::soql::check_identifier;

/// The same records `page_by_id` pages through, without `ORDER BY` (it disables PK chunking).
fn backfill_query(
    object: &str,
    fields: &[String],
    where_clause: Option<&str>,
) -> Result<String, SfError> {
    let filter = where_clause
        .filter(|w| !w.trim().is_empty())
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    Ok(format!(
        "SELECT {} FROM {}{filter}",
        select_list(fields)?,
        check_identifier(object)?
    ))
}

fn job_state(info: crate::BulkJobInfo) -> Result<BulkJobState, SfError> {
    Ok(match info.state.as_str() {
        "UploadComplete" | "InProgress" => BulkJobState::InProgress,
        "JobComplete" => BulkJobState::Complete {
            records: info.number_records_processed.unwrap_or(0),
        },
        "Failed" | "Aborted" => BulkJobState::Failed(format!(
            "job {} ended {}: {}",
            info.id,
            info.state,
            info.error_message.unwrap_or_default()
        )),
        other => {
            return Err(SfError::Decode(format!(
                "bulk job {} in unknown state {other}",
                info.id
            )));
        }
    })
}

/// Salesforce no longer knows the job (purged 7 days after it ended) or refuses the locator.
pub(crate) fn is_gone(e: &SfError) -> bool {
    matches!(e, SfError::Api { status: 404, .. })
        || matches!(e.api_code(), Some("NOT_FOUND" | "INVALIDLOCATOR"))
}

/// A CSV cell (always text) as the REST JSON of its field's type, so Bulk and REST records go
/// through the one conversion (`Value::from_sf_json`) and give the same `Change`s. Dates,
/// datetimes, multi-picklists and text are strings in both; nulls are already `null`.
fn rest_json(ty: Option<FieldType>, cell: Json) -> Json {
    let typed = match (&cell, ty) {
        (Json::String(s), Some(FieldType::Boolean)) => s.parse::<bool>().ok().map(Json::Bool),
        (Json::String(s), Some(FieldType::Number)) => serde_json::from_str::<serde_json::Number>(s)
            .ok()
            .map(Json::Number),
        _ => None,
    };
    // A value that does not parse stays text: the shared conversion reports it like a REST one.
    typed.unwrap_or(cell)
}

/// Each column's type by the object's describe, looked up once per page (not per cell).
fn column_types<'a>(
    describe: &SfObjectDescribe,
    columns: impl Iterator<Item = &'a str>,
) -> HashMap<String, FieldType> {
    columns
        .filter_map(|c| Some((c.to_owned(), describe.field(c)?.field_type()?)))
        .collect()
}

/// Type a CSV record's values by its columns' types.
fn typed(types: &HashMap<String, FieldType>, record: Record) -> Record {
    Record(
        record
            .0
            .into_iter()
            .map(|(name, cell)| {
                let ty = types.get(&name).copied();
                (name, rest_json(ty, cell))
            })
            .collect(),
    )
}

impl SfClient {
    pub(crate) async fn port_bulk_start(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
    ) -> Result<BulkJobRef, RemoteError> {
        let soql = backfill_query(object, fields, where_clause).map_err(|e| remote(object, &e))?;
        let job = self
            .bulk_create(&soql, false)
            .await
            .map_err(|e| remote(object, &e))?;
        Ok(BulkJobRef { job_id: job.id })
    }

    pub(crate) async fn port_bulk_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        match self.bulk_job(job_id).await {
            Ok(info) => job_state(info).map_err(|e| remote("", &e)),
            Err(e) if is_gone(&e) => Ok(BulkJobState::Failed(format!(
                "job {job_id} no longer exists on Salesforce"
            ))),
            Err(e) => Err(remote("", &e)),
        }
    }

    pub(crate) async fn port_bulk_page(
        &self,
        object: &str,
        job_id: &str,
        locator: Option<&str>,
        max_records: usize,
    ) -> Result<BulkPage, RemoteError> {
        let describe = self.port_describe(object).await?;
        let max = u32::try_from(max_records.max(1)).unwrap_or(u32::MAX);
        let (rows, next_locator) = match self.bulk_results_rows(job_id, locator, max).await {
            Ok(page) => page,
            Err(e) if is_gone(&e) => {
                return Ok(BulkPage::Expired(format!(
                    "results of job {job_id} are gone: {e}"
                )));
            }
            Err(e) => return Err(remote(object, &e)),
        };
        let types = column_types(&describe, rows.headers());
        let source = PageSource {
            rows,
            types,
            object: object.to_owned(),
        };
        Ok(BulkPage::Records {
            records: BulkRecords::new(source),
            next_locator,
        })
    }
}

/// A results page's records, typed by the object's describe as they are parsed.
struct PageSource {
    rows: CsvStream,
    types: HashMap<String, FieldType>,
    object: String,
}

#[async_trait]
impl ChunkSource<SfRecord> for PageSource {
    async fn next_chunk(&mut self, n: usize) -> Result<Vec<SfRecord>, RemoteError> {
        let fail = |e: SfError| remote(&self.object, &e);
        let mut out = Vec::with_capacity(n.min(5_000));
        while out.len() < n {
            let Some(row) = self.rows.next_row().await.map_err(fail)? else {
                break;
            };
            out.push(sf_record(typed(&self.types, row), false).map_err(fail)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "port_bulk_tests.rs"]
mod tests;
