//! Bulk API 2.0 ingest jobs of the fake org: starting one costs three calls (create, upload,
//! close), it runs on its second status call (like the simulator's default), and its results
//! cost three calls. Rows are written with the fake's usual rules (duplicate rules on create).

use super::{FakeSalesforce, Store, insert, sf_duplicate};
use crate::ports::{
    BulkJobRef, BulkJobState, Fields, IngestData, IngestOp, IngestRow, IngestState, IngestUpload,
    RemoteError, WriteResult,
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
    /// Uploaded and closed (a job only opened has no rows and never runs).
    sent: bool,
    aborted: bool,
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

    /// Salesforce purges a job 7 days after it ended: run it to the end (what it creates
    /// stays), then forget it and its results.
    pub fn purge_ingest_job(&self, job_id: &str) {
        let mut s = self.remote.lock();
        let mut jobs = self.ingest_jobs();
        if let Some(mut job) = jobs.jobs.remove(job_id) {
            while job.sent && !job.aborted && !advance(&mut s, &mut job) {}
        }
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
            sent: true,
            aborted: false,
            polls: 0,
            results: None,
        };
        jobs.jobs.insert(job_id.clone(), job);
        Ok(BulkJobRef { job_id })
    }

    /// The state of a job, as the port's `ingest_status` answers it.
    pub(super) fn ingest_status_of(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        let mut s = self.remote.begin()?;
        let mut jobs = self.ingest_jobs();
        let Some(job) = jobs.jobs.get_mut(job_id) else {
            return Ok(BulkJobState::Failed(format!("job {job_id} not found")));
        };
        if !advance(&mut s, job) {
            return Ok(BulkJobState::InProgress);
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

/// One more status call on a sent job; true once it has run (on its second call).
fn advance(s: &mut Store, job: &mut Job) -> bool {
    job.polls += 1;
    if job.polls <= POLLS_IN_PROGRESS {
        return false;
    }
    if job.results.is_none() {
        let results = job
            .rows
            .iter()
            .map(|r| write(s, &job.object, &job.op, r))
            .collect();
        job.results = Some(results);
    }
    true
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
        let e = SyncError::new(ErrorCode::DuplicateRuleMatched)
            .detail("a Salesforce duplicate rule matched");
        return WriteResult::Failed(e.object(object));
    }
    let id = insert(s, object, fields.clone());
    s.touch(id.as_str(), true, false);
    WriteResult::Ok(id.to_string())
}

/// The fake's upload: the rows themselves (its body is their JSON).
struct FakeUpload {
    columns: Vec<String>,
    rows: Vec<IngestRow>,
}

/// A row's key: its cells (values as text, in column order), hashed.
pub(super) fn row_key(columns: &[String], row: &IngestRow) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in columns {
        let cell = row.fields.get(c).map(|v| v.to_sf_json().to_string());
        for b in cell.unwrap_or_default().bytes().chain([0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

impl IngestUpload for FakeUpload {
    fn push(&mut self, row: &IngestRow) -> Result<u64, RemoteError> {
        self.rows.push(row.clone());
        Ok(row_key(&self.columns, row))
    }
    fn rows(&self) -> usize {
        self.rows.len()
    }
    fn bytes(&self) -> usize {
        self.rows.len() * 100
    }
    fn finish(self: Box<Self>) -> Result<IngestData, RemoteError> {
        serde_json::to_vec(&self.rows)
            .map(IngestData::Bytes)
            .map_err(|e| RemoteError(SyncError::new(ErrorCode::InvalidValue).detail(e.to_string())))
    }
}

fn no_job(job_id: &str) -> RemoteError {
    RemoteError(SyncError::new(ErrorCode::InvalidValue).detail(format!("no job {job_id}")))
}

/// The streaming half of the port on the fake: one call to open, two to send, one per state,
/// one to abort, one per result list read.
impl FakeSalesforce {
    pub(super) fn upload(&self, columns: &[String]) -> Box<dyn IngestUpload> {
        Box::new(FakeUpload {
            columns: columns.to_vec(),
            rows: Vec::new(),
        })
    }

    pub(super) fn open_ingest(
        &self,
        object: &str,
        op: &IngestOp,
    ) -> Result<BulkJobRef, RemoteError> {
        drop(self.remote.begin()?);
        let mut jobs = self.ingest_jobs();
        jobs.started += 1;
        let job_id = format!("750{:015}", 500_000 + jobs.started);
        let job = Job {
            object: object.to_owned(),
            op: op.clone(),
            rows: Vec::new(),
            sent: false,
            aborted: false,
            polls: 0,
            results: None,
        };
        jobs.jobs.insert(job_id.clone(), job);
        Ok(BulkJobRef { job_id })
    }

    pub(super) fn send_ingest(&self, job_id: &str, data: &IngestData) -> Result<(), RemoteError> {
        for _ in 0..2 {
            drop(self.remote.begin()?);
        }
        let IngestData::Bytes(data) = data else {
            return Err(RemoteError(
                SyncError::new(ErrorCode::InvalidValue).detail("the fake takes its own uploads"),
            ));
        };
        let rows: Vec<IngestRow> = serde_json::from_slice(data).map_err(|e| {
            RemoteError(SyncError::new(ErrorCode::InvalidValue).detail(e.to_string()))
        })?;
        let mut jobs = self.ingest_jobs();
        let job = jobs.jobs.get_mut(job_id).ok_or_else(|| no_job(job_id))?;
        job.rows = rows;
        job.sent = true;
        Ok(())
    }

    pub(super) fn state_of(&self, job_id: &str) -> Result<IngestState, RemoteError> {
        let mut s = self.remote.begin()?;
        let mut jobs = self.ingest_jobs();
        let Some(job) = jobs.jobs.get_mut(job_id) else {
            return Ok(IngestState::Gone(format!("job {job_id} not found")));
        };
        if job.aborted {
            return Ok(IngestState::Failed {
                reason: "aborted".into(),
                processed: 0,
                failed: 0,
            });
        }
        if !job.sent {
            return Ok(IngestState::Open);
        }
        if !advance(&mut s, job) {
            return Ok(IngestState::InProgress);
        }
        let failed = job
            .results
            .iter()
            .flatten()
            .filter(|r| matches!(r, WriteResult::Failed(_)))
            .count() as u64;
        Ok(IngestState::Complete {
            processed: job.rows.len() as u64,
            failed,
        })
    }

    pub(super) fn abort_ingest(&self, job_id: &str) -> Result<(), RemoteError> {
        drop(self.remote.begin()?);
        let mut jobs = self.ingest_jobs();
        let job = jobs.jobs.get_mut(job_id).ok_or_else(|| no_job(job_id))?;
        job.aborted = true;
        Ok(())
    }

    pub(super) fn keyed_results(
        &self,
        job_id: &str,
        columns: &[String],
        state: &IngestState,
    ) -> Result<Vec<(u64, WriteResult)>, RemoteError> {
        let (processed, failed, complete) = match state {
            IngestState::Complete { processed, failed } => (*processed, *failed, true),
            IngestState::Failed {
                processed, failed, ..
            } => (*processed, *failed, false),
            _ => return Err(no_job(job_id)),
        };
        let calls = u32::from(processed > failed) + u32::from(failed > 0) + u32::from(!complete);
        for _ in 0..calls {
            drop(self.remote.begin()?);
        }
        let jobs = self.ingest_jobs();
        let job = jobs.jobs.get(job_id).ok_or_else(|| no_job(job_id))?;
        let unprocessed = || {
            WriteResult::Failed(
                SyncError::new(ErrorCode::RemoteUnavailable)
                    .detail(format!("not processed by {job_id}")),
            )
        };
        Ok(job
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let result = job
                    .results
                    .as_ref()
                    .and_then(|r| r.get(i).cloned())
                    .unwrap_or_else(unprocessed);
                (row_key(columns, row), result)
            })
            .collect())
    }
}
