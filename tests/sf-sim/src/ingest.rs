//! Bulk API 2.0 ingest jobs (§15.2): create (`Open`), one CSV upload, `UploadComplete`, then
//! `InProgress` → `JobComplete`/`Failed` over successive status polls (`bulk_polls_to_complete`);
//! successful, failed and unprocessed records as CSV, in an order that is not the upload's.

use crate::dml::WriteOpts;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::{Ctx, json_object};
use crate::ingest_run::{self, Csv, RowResult};
use crate::ingest_spec::{JobSpec, invalid_job};
use crate::state::{Org, Shared};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use domain::datetime::format_sf;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct IngestJob {
    pub(crate) id: String,
    pub(crate) spec: JobSpec,
    pub(crate) state: &'static str,
    pub(crate) polls: u32,
    pub(crate) created: String,
    pub(crate) opts: WriteOpts,
    pub(crate) upload: Option<Bytes>,
    pub(crate) csv: Csv,
    pub(crate) results: Vec<RowResult>,
    pub(crate) error_message: Option<String>,
}

pub(crate) fn bulk_error(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("BULK_API_ERROR", message)
}

fn job_info(job: &IngestJob, version: &str) -> Value {
    let api: f64 = version.trim_start_matches('v').parse().unwrap_or(62.0);
    let failed = job
        .results
        .iter()
        .filter(|r| matches!(r, RowResult::Failed(_)))
        .count();
    let mut info = json!({
        "id": job.id, "operation": job.spec.operation_name(), "object": job.spec.object.name,
        "createdById": job.opts.actor.as_str(), "createdDate": job.created,
        "systemModstamp": job.created, "state": job.state, "concurrencyMode": "Parallel",
        "contentType": "CSV", "apiVersion": api, "jobType": "V2Ingest",
        "contentUrl": format!("services/data/{version}/jobs/ingest/{}/batches", job.id),
        "lineEnding": if job.spec.crlf { "CRLF" } else { "LF" }, "columnDelimiter": job.spec.delimiter.0,
        "numberRecordsProcessed": job.results.len(), "numberRecordsFailed": failed,
        "retries": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0, "apexProcessingTime": 0,
    });
    if let Some(ext) = job.spec.external_id {
        info["externalIdFieldName"] = json!(ext.name);
    }
    if let Some(rule) = &job.spec.assignment_rule {
        info["assignmentRuleId"] = json!(rule);
    }
    if let Some(message) = &job.error_message {
        info["errorMessage"] = json!(message);
    }
    info
}

/// `POST /jobs/ingest`
pub async fn create(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let spec = JobSpec::parse(&json_object(&body)?)?;
    let mut opts = ctx.write_opts(&headers);
    // The Bulk API has no duplicate-rule or auto-assign headers: rules block, and assignment
    // runs only for a job that names a rule.
    opts.allow_save = false;
    opts.auto_assign = spec.assignment_rule.is_some();
    let mut org = sim.lock();
    let job = IngestJob {
        id: org.ids.next("750").to_string(),
        spec,
        state: "Open",
        polls: 0,
        created: format_sf(org.clock.now()),
        opts,
        upload: None,
        csv: Csv::default(),
        results: Vec::new(),
        error_message: None,
    };
    let info = job_info(&job, &ctx.version);
    org.ingest.insert(job.id.clone(), job);
    Ok(json_response(StatusCode::OK, &info))
}

/// `PUT /jobs/ingest/{id}/batches` — the job's one CSV upload.
pub async fn upload(
    State(sim): State<Shared>,
    Path((_v, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !content_type.is_some_and(|c| c.trim_start().starts_with("text/csv")) {
        return Err(bulk_error("Upload job data with Content-Type text/csv"));
    }
    let mut org = sim.lock();
    let limit = org.cfg.bulk_ingest_max_upload_bytes;
    let job = org.ingest.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if job.upload.is_some() {
        return Err(bulk_error(format!(
            "Found multiple contents for job: <{id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job."
        )));
    }
    if job.state != "Open" {
        return Err(bulk_error(format!(
            "Job {id} is not in Open state: {}",
            job.state
        )));
    }
    // Salesforce converts uploads to base64 and caps that at 150 MB.
    if body.len().div_ceil(3) * 4 > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BULK_API_ERROR",
            "Job data exceeds the 150 MB (base64) upload limit",
        ));
    }
    job.upload = Some(body);
    Ok(StatusCode::CREATED.into_response())
}

/// `PATCH /jobs/ingest/{id}` `{"state":"UploadComplete"|"Aborted"}`
pub async fn set_state(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = json_object(&body)?;
    let wanted = body.get("state").and_then(Value::as_str).unwrap_or("");
    let mut org = sim.lock();
    let job = org.ingest.get_mut(&id).ok_or_else(ApiError::not_found)?;
    job.state = match (wanted, job.state) {
        ("UploadComplete", "Open") => "UploadComplete",
        ("Aborted", "Open" | "UploadComplete" | "InProgress") => "Aborted",
        ("UploadComplete" | "Aborted", current) => {
            return Err(invalid_job(format!(
                "InvalidJob : a job in state {current} cannot be set to {wanted}"
            )));
        }
        _ => return Err(invalid_job(format!("InvalidJob : Invalid state: {wanted}"))),
    };
    Ok(json_response(StatusCode::OK, &job_info(job, &ctx.version)))
}

/// `GET /jobs/ingest/{id}` — each poll moves a closed job along; the last one runs it.
pub async fn status(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = sim.lock();
    let needed = org.cfg.bulk_polls_to_complete.max(1);
    let job = org.ingest.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if matches!(job.state, "UploadComplete" | "InProgress") {
        job.polls += 1;
        job.state = "InProgress";
        if job.polls >= needed {
            let job = job.clone();
            let done = process(&mut org, job);
            org.ingest.insert(id.clone(), done);
        }
    }
    let job = org.ingest.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &job_info(job, &ctx.version)))
}

fn process(org: &mut Org, mut job: IngestJob) -> IngestJob {
    let data = job.upload.clone().unwrap_or_default();
    let checked = if job.upload.is_none() {
        Err("InvalidJob : No data was uploaded for the job".to_owned())
    } else {
        ingest_run::check_line_endings(&data, job.spec.crlf)
            .and_then(|()| ingest_run::parse(&data, job.spec.delimiter.1, job.spec.object))
    };
    match checked {
        Ok(csv) => {
            job.results = ingest_run::run(
                org,
                job.spec.object,
                job.spec.operation,
                job.spec.external_id,
                &csv,
                &job.opts,
            );
            job.csv = csv;
            job.state = "JobComplete";
        }
        Err(message) => {
            job.error_message = Some(message);
            job.state = "Failed";
        }
    }
    job
}

/// Every ingest job still running ends `Failed` with this `errorMessage` (nothing processed).
pub fn fail_running(org: &mut Org, message: &str) {
    for job in org.ingest.values_mut() {
        if matches!(job.state, "UploadComplete" | "InProgress") {
            job.state = "Failed";
            job.error_message = Some(message.to_owned());
        }
    }
}

/// `DELETE /jobs/ingest/{id}` — only a closed or finished job.
pub async fn delete(
    State(sim): State<Shared>,
    Path((_v, id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = sim.lock();
    let job = org.ingest.get(&id).ok_or_else(ApiError::not_found)?;
    if matches!(job.state, "Open" | "InProgress") {
        return Err(invalid_job(format!(
            "InvalidJob : a job in state {} cannot be deleted",
            job.state
        )));
    }
    org.ingest.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
