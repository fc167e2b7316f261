//! Bulk API 2.0 query jobs (§15.1): UploadComplete → InProgress → JobComplete over successive
//! status polls; CSV results (every value quoted, nulls empty) paged by `Sforce-Locator`.

use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::{Ctx, json_object};
use crate::soql::{self, Select, eval};
use crate::state::{Org, Shared};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use domain::datetime::format_sf;
use serde_json::{Value, json};
use std::collections::HashMap;

const DEFAULT_MAX_RECORDS: usize = 50_000;

#[derive(Debug, Clone)]
pub struct BulkJob {
    id: String,
    operation: String,
    query: soql::Query,
    state: &'static str,
    polls: u32,
    created: String,
    created_by: String,
    version: String,
    header: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    /// Why the job `Failed` (Salesforce's `errorMessage`).
    error_message: Option<String>,
}

/// Every job that has not ended fails now, as after Salesforce's internal retries gave up.
pub fn fail_running(org: &mut Org, message: &str) {
    for job in org.bulk.values_mut() {
        if matches!(job.state, "UploadComplete" | "InProgress") {
            job.state = "Failed";
            job.error_message = Some(message.to_owned());
        }
    }
}

fn job_info(job: &BulkJob) -> Value {
    let api: f64 = job.version.trim_start_matches('v').parse().unwrap_or(62.0);
    let mut info = json!({
        "id": job.id, "operation": job.operation, "object": job.query.object.name,
        "createdById": job.created_by, "createdDate": job.created, "systemModstamp": job.created,
        "state": job.state, "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": api,
        "jobType": "V2Query", "lineEnding": "LF", "columnDelimiter": "COMMA",
        "numberRecordsProcessed": if job.state == "JobComplete" { job.rows.len() } else { 0 },
        "retries": 0, "totalProcessingTime": 0,
    });
    if let Some(message) = &job.error_message {
        info["errorMessage"] = json!(message);
    }
    info
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

/// `POST /jobs/query`
pub async fn create(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult {
    let body = json_object(&body)?;
    let operation = body.get("operation").and_then(Value::as_str).unwrap_or("");
    if operation != "query" && operation != "queryAll" {
        return Err(invalid_job(format!(
            "InvalidJob : Invalid operation: {operation}"
        )));
    }
    if body
        .get("contentType")
        .and_then(Value::as_str)
        .is_some_and(|c| c != "CSV")
    {
        return Err(invalid_job("InvalidJob : contentType must be CSV"));
    }
    let src = body
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_job("InvalidJob : query is required"))?;
    let query = soql::parse(src)?;
    if matches!(query.select, Select::Count) {
        return Err(invalid_job(
            "InvalidJob : Aggregate queries are not supported",
        ));
    }
    let mut org = sim.lock();
    let job = BulkJob {
        id: org.ids.next("750").to_string(),
        operation: operation.to_owned(),
        query,
        state: "UploadComplete",
        polls: 0,
        created: format_sf(org.clock.now()),
        created_by: ctx.user.to_string(),
        version: ctx.version.clone(),
        header: vec![],
        rows: vec![],
        error_message: None,
    };
    let info = job_info(&job);
    org.bulk.insert(job.id.clone(), job);
    Ok(json_response(StatusCode::OK, &info))
}

/// `GET /jobs/query/{id}` — each poll moves the job along.
pub async fn status(
    State(sim): State<Shared>,
    Path((_v, id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = sim.lock();
    let needed = org.cfg.bulk_polls_to_complete.max(1);
    let job = org.bulk.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if matches!(job.state, "UploadComplete" | "InProgress") {
        job.polls += 1;
        job.state = if job.polls >= needed {
            "JobComplete"
        } else {
            "InProgress"
        };
    }
    if job.state == "JobComplete" && job.header.is_empty() {
        let job = job.clone();
        let done = run_job(&org, job);
        org.bulk.insert(id.clone(), done);
    }
    let job = org.bulk.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &job_info(job)))
}

/// Run the query as of completion time.
fn run_job(org: &Org, mut job: BulkJob) -> BulkJob {
    let Select::Fields(fields) = &job.query.select else {
        return job;
    };
    job.header = fields.iter().map(|f| f.label()).collect();
    job.rows = eval::select_rows(&job.query, &org.store, job.operation == "queryAll")
        .into_iter()
        .map(|row| {
            fields
                .iter()
                .map(|f| csv_value(&eval::value_of(f, row, &org.store)))
                .collect()
        })
        .collect();
    job
}

fn csv_value(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `PATCH /jobs/query/{id}` `{"state":"Aborted"}`
pub async fn abort(
    State(sim): State<Shared>,
    Path((_v, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = json_object(&body)?;
    if body.get("state").and_then(Value::as_str) != Some("Aborted") {
        return Err(invalid_job(
            "InvalidJob : only the Aborted state can be set",
        ));
    }
    let mut org = sim.lock();
    let job = org.bulk.get_mut(&id).ok_or_else(ApiError::not_found)?;
    if matches!(job.state, "JobComplete" | "Failed" | "Aborted") {
        return Err(invalid_job(format!(
            "InvalidJob : a job in state {} cannot be aborted",
            job.state
        )));
    }
    job.state = "Aborted";
    Ok(json_response(StatusCode::OK, &job_info(job)))
}

/// `DELETE /jobs/query/{id}`
pub async fn delete(
    State(sim): State<Shared>,
    Path((_v, id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = sim.lock();
    org.bulk.remove(&id).ok_or_else(ApiError::not_found)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /jobs/query/{id}/results?maxRecords=&locator=`
pub async fn results(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let org = sim.lock();
    let job = org.bulk.get(&id).ok_or_else(ApiError::not_found)?;
    if job.version != ctx.version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "INVALIDJOB",
            "API version of the results request must match the job's",
        ));
    }
    if job.state != "JobComplete" {
        let current = match job.state {
            "UploadComplete" => "UPLOAD_COMPLETE",
            "InProgress" => "IN_PROGRESS",
            "Aborted" => "ABORTED",
            "Failed" => "FAILED",
            _ => "JOB_COMPLETE",
        };
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "JOB_NOT_COMPLETE",
            format!(
                "can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: {current}"
            ),
        ));
    }
    let max = q
        .get("maxRecords")
        .map(|m| {
            m.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ApiError::bad_request("INVALIDJOB", "maxRecords must be a positive integer")
            })
        })
        .transpose()?
        .unwrap_or(DEFAULT_MAX_RECORDS);
    let offset = match q.get("locator") {
        None => 0,
        Some(l) => decode_locator(l)
            .filter(|o| *o < job.rows.len())
            .ok_or_else(|| {
                ApiError::bad_request("INVALIDLOCATOR", format!("Invalid locator: {l}"))
            })?,
    };
    Ok(csv_page(job, offset, max))
}

fn decode_locator(l: &str) -> Option<usize> {
    let bytes = STANDARD_NO_PAD.decode(l.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

fn csv_page(job: &BulkJob, offset: usize, max: usize) -> Response {
    let end = (offset + max).min(job.rows.len());
    let mut csv = job
        .header
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for row in &job.rows[offset..end] {
        let line: Vec<String> = row
            .iter()
            .map(|v| v.as_deref().map(quote).unwrap_or_default())
            .collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let locator = if end < job.rows.len() {
        STANDARD_NO_PAD.encode(end.to_string())
    } else {
        "null".to_owned()
    };
    let count = (end - offset).to_string();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv".to_owned()),
            (header::HeaderName::from_static("sforce-locator"), locator),
            (
                header::HeaderName::from_static("sforce-numberofrecords"),
                count,
            ),
        ],
        csv,
    )
        .into_response()
}
