//! Bulk API 2.0 ingest jobs (reference §15.2): create, upload one CSV, close, ask the state,
//! read the successful / failed / unprocessed records back onto the input rows. Each method is
//! one API call; [`SfClient::ingest`] runs a whole job (3 + polls + 1 to 3 calls).

use reqwest::Method;
use serde_json::json;

use crate::bulk::{BulkJobInfo, BulkQueryOptions, CsvStream};
use crate::client::SfClient;
use crate::error::SfError;
use crate::ingest_csv::{IngestCsv, IngestRowResult};
use crate::record::Fields;
use crate::soql::check_identifier;
use crate::transport::{ApiRequest, Payload};

/// What a job does with its rows. Update and delete rows carry an `Id` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOperation {
    Insert,
    Update,
    Upsert { external_id_field: String },
    Delete,
}

/// The three result lists of a finished job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestResults {
    Successful,
    Failed,
    Unprocessed,
}

impl IngestResults {
    fn path(self) -> &'static str {
        match self {
            Self::Successful => "successfulResults/",
            Self::Failed => "failedResults/",
            Self::Unprocessed => "unprocessedrecords/",
        }
    }
}

/// A finished job and what became of each input row (input order).
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub job: BulkJobInfo,
    pub rows: Vec<IngestRowResult>,
}

fn job_body(object: &str, op: &IngestOperation) -> Result<serde_json::Value, SfError> {
    let name = match op {
        IngestOperation::Insert => "insert",
        IngestOperation::Update => "update",
        IngestOperation::Upsert { .. } => "upsert",
        IngestOperation::Delete => "delete",
    };
    let mut body = json!({"object": check_identifier(object)?, "operation": name,
                          "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"});
    if let IngestOperation::Upsert { external_id_field } = op {
        body["externalIdFieldName"] = json!(check_identifier(external_id_field)?);
    }
    Ok(body)
}

impl SfClient {
    /// `POST /jobs/ingest`: a new `Open` job.
    pub async fn ingest_create(
        &self,
        object: &str,
        op: &IngestOperation,
    ) -> Result<BulkJobInfo, SfError> {
        let req = ApiRequest::new(Method::POST, "jobs/ingest").json(&job_body(object, op)?)?;
        self.send(&req).await?.json("ingest job")
    }

    /// `PUT /jobs/ingest/{id}/batches`: the job's only upload. Never replayed: a second upload
    /// is refused ("Found multiple contents for job"), so a timeout here means a new job.
    pub async fn ingest_upload(&self, job_id: &str, csv: &IngestCsv) -> Result<(), SfError> {
        self.ingest_upload_bytes(job_id, csv.to_bytes()?).await
    }

    /// [`Self::ingest_upload`] of CSV bytes written elsewhere.
    pub async fn ingest_upload_bytes(&self, job_id: &str, csv: Vec<u8>) -> Result<(), SfError> {
        self.ingest_upload_payload(job_id, Payload::Bytes(csv))
            .await
    }

    /// [`Self::ingest_upload`] of a CSV spooled to a file (`ingest_stream::CsvUpload`),
    /// streamed from it chunk by chunk.
    pub(crate) async fn ingest_upload_payload(
        &self,
        job_id: &str,
        csv: Payload,
    ) -> Result<(), SfError> {
        let mut req = ApiRequest::new(Method::PUT, format!("jobs/ingest/{job_id}/batches"));
        req.body = Some(("text/csv", csv));
        req.replay_safe = false;
        self.send(&req).await.map(|_| ())
    }

    /// `PATCH /jobs/ingest/{id}` `{"state":"UploadComplete"}`: processing starts.
    pub async fn ingest_close(&self, job_id: &str) -> Result<BulkJobInfo, SfError> {
        self.ingest_set_state(job_id, "UploadComplete").await
    }

    /// `PATCH /jobs/ingest/{id}` `{"state":"Aborted"}`: rows not yet processed stay unprocessed.
    pub async fn ingest_abort(&self, job_id: &str) -> Result<BulkJobInfo, SfError> {
        self.ingest_set_state(job_id, "Aborted").await
    }

    async fn ingest_set_state(&self, job_id: &str, state: &str) -> Result<BulkJobInfo, SfError> {
        let mut req = ApiRequest::new(Method::PATCH, format!("jobs/ingest/{job_id}"))
            .json(&json!({ "state": state }))?;
        // A repeated close is refused once the first one landed: not replayed blindly.
        req.replay_safe = false;
        self.send(&req).await?.json("ingest job")
    }

    /// `GET /jobs/ingest/{id}`.
    pub async fn ingest_job(&self, job_id: &str) -> Result<BulkJobInfo, SfError> {
        self.send(&ApiRequest::get(format!("jobs/ingest/{job_id}")))
            .await?
            .json("ingest job")
    }

    /// One result list as CSV (a finished job only).
    pub async fn ingest_results(
        &self,
        job_id: &str,
        which: IngestResults,
    ) -> Result<Vec<u8>, SfError> {
        let path = format!("jobs/ingest/{job_id}/{}", which.path());
        let req = ApiRequest::get(path).accept("text/csv");
        Ok(self.send(&req).await?.body)
    }

    /// One result list, its rows parsed as the body arrives (a finished job only).
    pub async fn ingest_result_rows(
        &self,
        job_id: &str,
        which: IngestResults,
    ) -> Result<CsvStream, SfError> {
        let path = format!("jobs/ingest/{job_id}/{}", which.path());
        let resp = self
            .send_streamed(&ApiRequest::get(path).accept("text/csv"))
            .await?;
        CsvStream::open(resp, self.request_timeout()).await
    }

    /// `DELETE /jobs/ingest/{id}` (a closed or finished job).
    pub async fn ingest_delete(&self, job_id: &str) -> Result<(), SfError> {
        let req = ApiRequest::new(Method::DELETE, format!("jobs/ingest/{job_id}"));
        self.send(&req).await.map(|_| ())
    }

    /// Create, upload and close (3 calls); the job id to follow.
    pub async fn ingest_submit(
        &self,
        object: &str,
        op: &IngestOperation,
        csv: &IngestCsv,
    ) -> Result<String, SfError> {
        let job = self.ingest_create(object, op).await?;
        self.ingest_upload(&job.id, csv).await?;
        self.ingest_close(&job.id).await?;
        Ok(job.id)
    }

    /// What became of each row of `csv` (the upload of `job_id`), in input order (3 calls).
    pub async fn ingest_outcomes(
        &self,
        job_id: &str,
        csv: &IngestCsv,
    ) -> Result<Vec<IngestRowResult>, SfError> {
        let ok = self
            .ingest_results(job_id, IngestResults::Successful)
            .await?;
        let failed = self.ingest_results(job_id, IngestResults::Failed).await?;
        let unprocessed = self
            .ingest_results(job_id, IngestResults::Unprocessed)
            .await?;
        csv.outcomes(&ok, &failed, &unprocessed)
    }

    /// [`Self::ingest_outcomes`] of a finished `job`, asking only for the lists its counts say
    /// hold rows: a completed job has no unprocessed rows, and no failed ones when it counts
    /// none (2 calls with refusals, 1 without).
    pub async fn ingest_outcomes_of(
        &self,
        job: &BulkJobInfo,
        csv: &IngestCsv,
    ) -> Result<Vec<IngestRowResult>, SfError> {
        let processed = job.number_records_processed.unwrap_or(0);
        let failed = job.number_records_failed.unwrap_or(0);
        let complete = job.state == "JobComplete";
        let mut bodies: [Vec<u8>; 3] = Default::default();
        let lists = [
            (IngestResults::Successful, processed > failed),
            (IngestResults::Failed, failed > 0),
            (IngestResults::Unprocessed, !complete),
        ];
        for (body, (which, wanted)) in bodies.iter_mut().zip(lists) {
            if wanted {
                *body = self.ingest_results(&job.id, which).await?;
            }
        }
        let [ok, failed, unprocessed] = &bodies;
        csv.outcomes(ok, failed, unprocessed)
    }

    /// A whole job: submit `records`, wait (doubling delays) until it finishes, read back each
    /// row's outcome. A job that failed as a whole reports its rows `Unprocessed`, with the
    /// reason in `job.error_message`.
    pub async fn ingest(
        &self,
        object: &str,
        op: &IngestOperation,
        records: &[Fields],
        wait: &BulkQueryOptions,
    ) -> Result<IngestReport, SfError> {
        let csv = IngestCsv::build(records)?;
        let job_id = self.ingest_submit(object, op, &csv).await?;
        let job = self
            .wait_until_finished("jobs/ingest", &job_id, wait)
            .await?;
        let rows = self.ingest_outcomes_of(&job, &csv).await?;
        Ok(IngestReport { job, rows })
    }
}
