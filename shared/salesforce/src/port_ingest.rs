//! The Bulk API 2.0 ingest half of `app::ports::SalesforcePort`: start a job over rows, ask its
//! state once, read each row's outcome back in input order. Nothing waits here; the job id and
//! the rows are all a caller needs to continue after a restart (the CSV is rebuilt from them).

use app::ports::{
    BulkJobRef, BulkJobState, IngestData, IngestOp, IngestRow, IngestState, IngestUpload,
    KeyedResults, RemoteError, WriteResult,
};
use domain::{ErrorCode, SyncError};
use serde_json::json;

use crate::client::SfClient;
use crate::error::SfError;
use crate::ingest::{IngestOperation, IngestResults};
use crate::ingest_csv::{IngestCsv, IngestRowResult};
use crate::ingest_results::ResultStream;
use crate::ingest_stream::CsvUpload;
use crate::port::{remote, to_json_fields};
use crate::record::Fields;
use crate::transport::Payload;

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

/// The streaming half: uploads written row by row, results read back by row key.
impl SfClient {
    pub(crate) fn port_ingest_upload(
        &self,
        object: &str,
        op: &IngestOp,
        columns: &[String],
    ) -> Result<Box<dyn IngestUpload>, RemoteError> {
        let upload =
            CsvUpload::new(object, operation(op), columns).map_err(|e| remote(object, &e))?;
        Ok(Box::new(upload))
    }

    pub(crate) async fn port_ingest_open(
        &self,
        object: &str,
        op: &IngestOp,
    ) -> Result<BulkJobRef, RemoteError> {
        let job = self
            .ingest_create(object, &operation(op))
            .await
            .map_err(|e| remote(object, &e))?;
        Ok(BulkJobRef { job_id: job.id })
    }

    pub(crate) async fn port_ingest_send(
        &self,
        job_id: &str,
        data: IngestData,
    ) -> Result<(), RemoteError> {
        let payload = match data {
            IngestData::Bytes(bytes) => Payload::Bytes(bytes),
            IngestData::Spooled { file, len } => Payload::File {
                file: std::sync::Arc::new(file),
                len,
            },
        };
        self.ingest_upload_payload(job_id, payload)
            .await
            .map_err(|e| remote("", &e))?;
        self.ingest_close(job_id)
            .await
            .map_err(|e| remote("", &e))?;
        Ok(())
    }

    pub(crate) async fn port_ingest_state(&self, job_id: &str) -> Result<IngestState, RemoteError> {
        let info = match self.ingest_job(job_id).await {
            Ok(info) => info,
            Err(e) if crate::port_bulk::is_gone(&e) => {
                return Ok(IngestState::Gone(format!(
                    "job {job_id} no longer exists on Salesforce"
                )));
            }
            Err(e) => return Err(remote("", &e)),
        };
        let processed = info.number_records_processed.unwrap_or(0);
        let failed = info.number_records_failed.unwrap_or(0);
        Ok(match info.state.as_str() {
            "Open" => IngestState::Open,
            "JobComplete" => IngestState::Complete { processed, failed },
            "Failed" | "Aborted" => IngestState::Failed {
                reason: format!(
                    "job {job_id} ended {}: {}",
                    info.state,
                    info.error_message.unwrap_or_default()
                ),
                processed,
                failed,
            },
            _ => IngestState::InProgress,
        })
    }

    pub(crate) async fn port_ingest_keyed_results(
        &self,
        object: &str,
        job_id: &str,
        columns: &[String],
        state: &IngestState,
    ) -> Result<KeyedResults, RemoteError> {
        let (processed, failed, complete) = match state {
            IngestState::Complete { processed, failed } => (*processed, *failed, true),
            IngestState::Failed {
                processed, failed, ..
            } => (*processed, *failed, false),
            _ => {
                let e = SfError::InvalidInput(format!("job {job_id} has not finished"));
                return Err(remote(object, &e));
            }
        };
        // Only the lists that hold rows (one call each): a job that completed with nothing
        // refused costs one results call.
        let lists = [
            (IngestResults::Successful, processed > failed),
            (IngestResults::Failed, failed > 0),
            (IngestResults::Unprocessed, !complete),
        ];
        let wanted = lists.into_iter().filter(|(_, w)| *w).map(|(l, _)| l);
        // The header the upload was written with (an insert's: the columns as given).
        let header = crate::ingest_stream::upload_columns(&IngestOperation::Insert, columns);
        Ok(KeyedResults::new(ResultStream::new(
            self,
            object,
            job_id,
            header,
            wanted.collect(),
        )))
    }
}
