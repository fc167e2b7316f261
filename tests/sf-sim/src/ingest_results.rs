//! Results of a finished ingest job as CSV: successful rows (`sf__Id`, `sf__Created`), failed
//! rows (`sf__Id`, `sf__Error`), each followed by the uploaded columns, newest first (not the
//! upload's order); and the rows never processed.

use crate::errors::{ApiError, ApiResult};
use crate::ingest::{IngestJob, bulk_error};
use crate::ingest_run::{self, RowResult};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

/// `GET /jobs/ingest/{id}/{successfulResults|failedResults|unprocessedrecords}/`
pub async fn results(
    State(sim): State<Shared>,
    Path((_v, id, kind)): Path<(String, String, String)>,
) -> ApiResult {
    let org = sim.lock();
    let job = org.ingest.get(&id).ok_or_else(ApiError::not_found)?;
    if !matches!(job.state, "JobComplete" | "Failed" | "Aborted") {
        return Err(bulk_error(format!(
            "Job {id} has not finished processing: {}",
            job.state
        )));
    }
    let csv = match kind.as_str() {
        "successfulResults" => outcomes(job, ["sf__Id", "sf__Created"], |r| match r {
            RowResult::Done { id, created } => Some([id.clone(), created.to_string()]),
            RowResult::Failed(_) => None,
        }),
        "failedResults" => outcomes(job, ["sf__Id", "sf__Error"], |r| match r {
            RowResult::Failed(errors) => Some([String::new(), ingest_run::error_text(errors)]),
            RowResult::Done { .. } => None,
        }),
        "unprocessedrecords" => unprocessed(job),
        _ => return Err(ApiError::not_found()),
    };
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/csv")], csv).into_response())
}

/// Processed rows with their outcome columns first. Newest first: not the upload's order.
fn outcomes(
    job: &IngestJob,
    head: [&str; 2],
    pick: impl Fn(&RowResult) -> Option<[String; 2]>,
) -> String {
    let header = head
        .iter()
        .map(|h| (*h).to_owned())
        .chain(uploaded_columns(job));
    let rows = job
        .csv
        .rows
        .iter()
        .zip(&job.results)
        .rev()
        .filter_map(|(row, result)| {
            let [a, b] = pick(result)?;
            Some([a, b].into_iter().chain(row.iter().cloned()).collect())
        });
    ingest_run::render(
        std::iter::once(header.collect()).chain(rows),
        job.spec.delimiter.1,
    )
}

/// The upload's columns, also of a job that never got to parse it.
fn uploaded_columns(job: &IngestJob) -> Vec<String> {
    if !job.csv.header.is_empty() {
        return job.csv.header.clone();
    }
    let data = job.upload.clone().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(job.spec.delimiter.1)
        .from_reader(data.as_ref());
    let first = reader.records().next().and_then(Result::ok);
    first.map_or_else(Vec::new, |r| r.iter().map(str::to_owned).collect())
}

/// What never ran: the whole upload of a failed or aborted job; only the header of a
/// completed one.
fn unprocessed(job: &IngestJob) -> String {
    match &job.upload {
        None => String::new(),
        Some(data) if job.state != "JobComplete" => String::from_utf8_lossy(data).into_owned(),
        Some(_) => ingest_run::render([job.csv.header.clone()], job.spec.delimiter.1),
    }
}
