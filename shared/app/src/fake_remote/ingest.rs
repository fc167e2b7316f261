//! Bulk API 2.0 ingest jobs of the fake org: starting one costs three calls (create, upload,
//! close), it runs on its second status call (like the simulator's default), and its results
//! cost three calls. Rows are written with the fake's usual rules (duplicate rules on create).

use super::{FakeSalesforce, Store, insert, sf_duplicate};
use crate::ports::{
    BulkJobRef, BulkJobState, Fields, IngestOp, IngestRow, RemoteError, WriteResult,
};
use domain::{ErrorCode, SyncError, Value};
use std::collections::BTreeMap;

/// Status calls a job answers `InProgress` before it runs.
const POLLS_IN_PROGRESS: u32 = 1;

#[derive(Debug, Default)]
pub(super) struct IngestJobs {
    jobs: BTreeMap<String, Job>,
    started: u64,
}

#[derive(Debug)]
struct Job {
    object: String,
    op: IngestOp,
    rows: Vec<IngestRow>,
    polls: u32,
    results: Option<Vec<WriteResult>>,
}

impl FakeSalesforce {
    fn ingest_jobs(&self) -> std::sync::MutexGuard<'_, IngestJobs> {
        self.ingest.lock().unwrap()
    }
    /// Ingest jobs started so far.
    pub fn ingest_jobs_started(&self) -> u64 {
        self.ingest_jobs().started
    }

    pub(super) fn start_ingest(
        &self,
        object: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError> {
        for _ in 0..3 {
            drop(self.remote.begin()?);
        }
        let mut jobs = self.ingest_jobs();
        jobs.started += 1;
        let job_id = format!("750{:015}", 500_000 + jobs.started);
        let job = Job {
            object: object.to_owned(),
            op: op.clone(),
            rows: rows.to_vec(),
            polls: 0,
            results: None,
        };
        jobs.jobs.insert(job_id.clone(), job);
        Ok(BulkJobRef { job_id })
    }

    pub(super) fn ingest_state(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        let mut s = self.remote.begin()?;
        let mut jobs = self.ingest_jobs();
        let Some(job) = jobs.jobs.get_mut(job_id) else {
            return Ok(BulkJobState::Failed(format!("job {job_id} not found")));
        };
        job.polls += 1;
        if job.polls <= POLLS_IN_PROGRESS {
            return Ok(BulkJobState::InProgress);
        }
        if job.results.is_none() {
            let results = job
                .rows
                .iter()
                .map(|r| write(&mut s, &job.object, &job.op, r))
                .collect();
            job.results = Some(results);
        }
        Ok(BulkJobState::Complete {
            records: job.rows.len() as u64,
        })
    }

    pub(super) fn ingest_outcome(
        &self,
        job_id: &str,
        rows: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        for _ in 0..3 {
            drop(self.remote.begin()?);
        }
        let jobs = self.ingest_jobs();
        let not_finished =
            || RemoteError(SyncError::new(ErrorCode::InvalidValue).detail("job not finished"));
        let job = jobs.jobs.get(job_id).ok_or_else(not_finished)?;
        let results = job.results.clone().ok_or_else(not_finished)?;
        if job.rows != rows {
            return Err(RemoteError(
                SyncError::new(ErrorCode::InvalidValue).detail("rows differ from the job's upload"),
            ));
        }
        Ok(results)
    }
}

/// One row, as the job writes it (our integration user's change).
fn write(s: &mut Store, object: &str, op: &IngestOp, row: &IngestRow) -> WriteResult {
    let missing = || WriteResult::Failed(SyncError::new(ErrorCode::BadReference).object(object));
    let found = |s: &Store, id: &str| s.records.contains_key(id);
    match op {
        IngestOp::Insert => create(s, object, &row.fields),
        IngestOp::Update | IngestOp::Delete => {
            let Some(id) = row.id.as_ref().filter(|id| found(s, id.as_str())) else {
                return missing();
            };
            if let (IngestOp::Update, Some((_, f))) = (op, s.records.get_mut(id.as_str())) {
                f.extend(row.fields.clone());
            }
            s.next += 1;
            s.touch(id.as_str(), true, *op == IngestOp::Delete);
            WriteResult::Ok(id.to_string())
        }
        IngestOp::Upsert { external_id_field } => {
            let key = row.fields.get(external_id_field).and_then(Value::as_text);
            let existing = s.records.iter().find(|(_, (o, f))| {
                o == object
                    && key.is_some()
                    && f.get(external_id_field).and_then(Value::as_text) == key
            });
            match existing.map(|(id, _)| id.clone()) {
                Some(id) => {
                    if let Some((_, f)) = s.records.get_mut(&id) {
                        f.extend(row.fields.clone());
                    }
                    s.next += 1;
                    s.touch(&id, true, false);
                    WriteResult::Ok(id)
                }
                None => create(s, object, &row.fields),
            }
        }
    }
}

/// A create refused by the duplicate rules fails (the Bulk API names no matches).
fn create(s: &mut Store, object: &str, fields: &Fields) -> WriteResult {
    if sf_duplicate(s, object, fields).is_some() {
        let e =
            SyncError::new(ErrorCode::InvalidValue).detail("a Salesforce duplicate rule matched");
        return WriteResult::Failed(e.object(object));
    }
    let id = insert(s, object, fields.clone());
    s.touch(id.as_str(), true, false);
    WriteResult::Ok(id.to_string())
}
