//! The Bulk API 2.0 ingest half of `app::ports::SalesforcePort`: start a job over rows, ask its
//! state once, read each row's outcome back in input order. Nothing waits here; the job id and
//! the rows are all a caller needs to continue after a restart (the CSV is rebuilt from them).

use app::ports::{BulkJobRef, BulkJobState, IngestOp, IngestRow, RemoteError, WriteResult};
use domain::{ErrorCode, SyncError};
use serde_json::json;

use crate::client::SfClient;
use crate::error::SfError;
use crate::ingest::IngestOperation;
use crate::ingest_csv::{IngestCsv, IngestRowResult};
use crate::port::{remote, to_json_fields};
use crate::record::Fields;

fn operation(op: &IngestOp) -> IngestOperation {
    match op {
        IngestOp::Insert => IngestOperation::Insert,
        IngestOp::Update => IngestOperation::Update,
        IngestOp::Upsert { external_id_field } => IngestOperation::Upsert {
            external_id_field: external_id_field.clone(),
        },
        IngestOp::Delete => IngestOperation::Delete,
    }
}

/// The upload for `rows`: their fields, with `Id` for updates and only `Id` for deletes.
fn upload(op: &IngestOp, rows: &[IngestRow]) -> Result<IngestCsv, SfError> {
    let records: Vec<Fields> = rows
        .iter()
        .map(|row| {
            let mut fields = match op {
                IngestOp::Delete => Fields::new(),
                _ => to_json_fields(&row.fields),
            };
            if let (IngestOp::Update | IngestOp::Delete, Some(id)) = (op, &row.id) {
                fields.insert("Id".into(), json!(id.as_str()));
            }
            fields
        })
        .collect();
    IngestCsv::build(&records)
}

fn write_result(object: &str, job_id: &str, r: IngestRowResult) -> WriteResult {
    match r {
        IngestRowResult::Done { id, .. } => WriteResult::Ok(id.as_str().to_owned()),
        IngestRowResult::Failed(e) => WriteResult::Failed(e.to_sync_error().object(object)),
        IngestRowResult::Unprocessed => WriteResult::Failed(
            SyncError::new(ErrorCode::RemoteUnavailable)
                .object(object)
                .detail(format!("not processed by Bulk job {job_id}")),
        ),
    }
}

impl SfClient {
    pub(crate) async fn port_ingest_start(
        &self,
        object: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError> {
        let csv = upload(op, rows).map_err(|e| remote(object, &e))?;
        let job_id = self
            .ingest_submit(object, &operation(op), &csv)
            .await
            .map_err(|e| remote(object, &e))?;
        Ok(BulkJobRef { job_id })
    }

    pub(crate) async fn port_ingest_status(
        &self,
        job_id: &str,
    ) -> Result<BulkJobState, RemoteError> {
        let info = self.ingest_job(job_id).await.map_err(|e| remote("", &e))?;
        Ok(match info.state.as_str() {
            "JobComplete" => BulkJobState::Complete {
                records: info.number_records_processed.unwrap_or(0),
            },
            "Failed" | "Aborted" => BulkJobState::Failed(format!(
                "job {job_id} ended {}: {}",
                info.state,
                info.error_message.unwrap_or_default()
            )),
            _ => BulkJobState::InProgress,
        })
    }

    pub(crate) async fn port_ingest_results(
        &self,
        object: &str,
        job_id: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let fail = |e: SfError| remote(object, &e);
        let csv = upload(op, rows).map_err(fail)?;
        let outcomes = self.ingest_outcomes(job_id, &csv).await.map_err(fail)?;
        Ok(outcomes
            .into_iter()
            .map(|r| write_result(object, job_id, r))
            .collect())
    }
}
