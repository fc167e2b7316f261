//! Bulk API 2.0 query jobs of the fake org: a job snapshots the matching records when it starts,
//! completes on its second status call (like the simulator's default), and pages its results
//! with opaque locators. Tests can fail or purge the jobs to exercise the backfill's recovery.

use super::{FakeSalesforce, sf_record};
use crate::ports::{BulkJobRef, BulkJobState, BulkPage, BulkRecords, RemoteError, SfRecord};
use domain::{ErrorCode, SyncError};
use std::collections::BTreeMap;

/// Status calls a job answers `InProgress` before `Complete`.
const POLLS_IN_PROGRESS: u32 = 1;

#[derive(Debug, Default)]
pub(super) struct Jobs {
    jobs: BTreeMap<String, Job>,
    started: u64,
}

#[derive(Debug)]
struct Job {
    records: Vec<SfRecord>,
    polls: u32,
    failed: Option<String>,
}

impl FakeSalesforce {
    fn jobs(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap()
    }
    /// Bulk query jobs started so far.
    pub fn bulk_jobs_started(&self) -> u64 {
        self.jobs().started
    }
    /// Every existing job ends `Failed` with this message (as Salesforce reports internal errors).
    pub fn fail_bulk_jobs(&self, message: &str) {
        for job in self.jobs().jobs.values_mut() {
            job.failed = Some(message.to_owned());
        }
    }
    /// Salesforce purged every job (7 days after it ended): ids and locators are unknown now.
    pub fn purge_bulk_jobs(&self) {
        self.jobs().jobs.clear();
    }

    pub(super) fn start_job(
        &self,
        object: &str,
        fields: &[String],
    ) -> Result<BulkJobRef, RemoteError> {
        let s = self.remote.begin()?;
        let records: Vec<SfRecord> = s
            .records
            .iter()
            .filter(|(_, (o, _))| o == object)
            .filter_map(|(id, (_, f))| {
                let m = s.meta.get(id)?;
                (!m.deleted).then(|| sf_record(id, f, m, fields))
            })
            .collect();
        drop(s);
        let mut jobs = self.jobs();
        jobs.started += 1;
        let job_id = format!("750{:015}", jobs.started);
        let job = Job {
            records,
            polls: 0,
            failed: None,
        };
        jobs.jobs.insert(job_id.clone(), job);
        Ok(BulkJobRef { job_id })
    }

    pub(super) fn job_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        drop(self.remote.begin()?);
        let mut jobs = self.jobs();
        let Some(job) = jobs.jobs.get_mut(job_id) else {
            return Ok(BulkJobState::Failed(format!("job {job_id} not found")));
        };
        job.polls += 1;
        Ok(match &job.failed {
            Some(message) => BulkJobState::Failed(message.clone()),
            None if job.polls <= POLLS_IN_PROGRESS => BulkJobState::InProgress,
            None => BulkJobState::Complete {
                records: job.records.len() as u64,
            },
        })
    }

    pub(super) fn job_page(
        &self,
        job_id: &str,
        locator: Option<&str>,
        max_records: usize,
    ) -> Result<BulkPage, RemoteError> {
        drop(self.remote.begin()?);
        let jobs = self.jobs();
        let Some(job) = jobs.jobs.get(job_id) else {
            return Ok(BulkPage::Expired(format!("job {job_id} not found")));
        };
        if job.failed.is_some() || job.polls <= POLLS_IN_PROGRESS {
            return Err(RemoteError(
                SyncError::new(ErrorCode::InvalidValue).detail("JOB_NOT_COMPLETE"),
            ));
        }
        let start = match locator.map(str::parse::<usize>) {
            None => 0,
            Some(Ok(n)) if n < job.records.len() => n,
            Some(_) => return Ok(BulkPage::Expired(format!("invalid locator {locator:?}"))),
        };
        let end = (start + max_records.max(1)).min(job.records.len());
        Ok(BulkPage::Records {
            records: BulkRecords::from_vec(job.records[start..end].to_vec()),
            next_locator: (end < job.records.len()).then(|| end.to_string()),
        })
    }
}
