//! Fake of the staging store: rows per app and object in staging order, one per record.

use super::lock;
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Tables {
    next: u64,
    /// (app, object) → seq → row.
    rows: BTreeMap<(AppId, ObjectKind), BTreeMap<u64, StagedRow>>,
}

impl Tables {
    fn of(&mut self, app: &AppId, object: ObjectKind) -> &mut BTreeMap<u64, StagedRow> {
        self.rows.entry((app.clone(), object)).or_default()
    }
}

/// Staged creates in memory, shared by clones.
#[derive(Default, Clone)]
pub struct MemStagingStore {
    tables: Arc<Mutex<Tables>>,
    failing_removes: Arc<AtomicU32>,
}

impl MemStagingStore {
    /// Make the next `n` removals fail (a process that dies after committing rows and before
    /// removing them leaves them as these do).
    pub fn fail_removes(&self, n: u32) {
        self.failing_removes.store(n, Ordering::SeqCst);
    }
}

#[async_trait]
impl StagingStore for MemStagingStore {
    async fn stage(&self, rows: &[StagedCreate]) -> StoreResult<Vec<Staged>> {
        let mut t = lock(&self.tables);
        let mut out = Vec::with_capacity(rows.len());
        for create in rows {
            let table = t.of(&create.app, create.object);
            let existing = table
                .iter()
                .find(|(_, r)| r.create.record_key() == create.record_key())
                .map(|(seq, r)| (*seq, r.job.is_some()));
            match existing {
                Some((_, true)) => out.push(Staged::InJob),
                found => {
                    if let Some((seq, _)) = found {
                        t.of(&create.app, create.object).remove(&seq);
                    }
                    t.next += 1;
                    let seq = t.next;
                    let row = StagedRow {
                        seq,
                        job: None,
                        create: create.clone(),
                    };
                    t.of(&create.app, create.object).insert(seq, row);
                    out.push(Staged::Kept);
                }
            }
        }
        Ok(out)
    }

    async fn lookup(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[String],
    ) -> StoreResult<Vec<Option<StagedRow>>> {
        let mut t = lock(&self.tables);
        let table = t.of(app, object);
        Ok(records
            .iter()
            .map(|k| table.values().find(|r| r.create.record_key() == k).cloned())
            .collect())
    }

    async fn waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let mut t = lock(&self.tables);
        Ok(t.of(app, object)
            .values()
            .filter(|r| r.job.is_none())
            .count() as u64)
    }

    async fn newest_waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let mut t = lock(&self.tables);
        let waiting = t.of(app, object).values().filter(|r| r.job.is_none());
        Ok(waiting.map(|r| r.seq).max().unwrap_or(0))
    }

    async fn assign(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: &str,
        max: usize,
    ) -> StoreResult<u64> {
        let mut t = lock(&self.tables);
        let mut n = 0;
        for r in t
            .of(app, object)
            .values_mut()
            .filter(|r| r.job.is_none())
            .take(max)
        {
            r.job = Some(job.to_owned());
            n += 1;
        }
        Ok(n)
    }

    async fn reassign(
        &self,
        app: &AppId,
        object: ObjectKind,
        from: &str,
        to: Option<&str>,
        after: u64,
    ) -> StoreResult<()> {
        let mut t = lock(&self.tables);
        for (_, r) in t.of(app, object).range_mut(after + 1..) {
            if r.job.as_deref() == Some(from) {
                r.job = to.map(str::to_owned);
            }
        }
        Ok(())
    }

    async fn rows(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: Option<&str>,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<StagedRow>> {
        let mut t = lock(&self.tables);
        Ok(t.of(app, object)
            .range(after + 1..)
            .map(|(_, r)| r)
            .filter(|r| r.job.as_deref() == job)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn job_order(&self, app: &AppId, object: ObjectKind, job: &str) -> StoreResult<Vec<u64>> {
        let mut t = lock(&self.tables);
        let mut rows: Vec<(&str, u64)> = t
            .of(app, object)
            .values()
            .filter(|r| r.job.as_deref() == Some(job))
            .map(|r| (r.create.record_key(), r.seq))
            .collect();
        rows.sort_unstable();
        Ok(rows.into_iter().map(|(_, seq)| seq).collect())
    }

    async fn rows_at(
        &self,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<Vec<StagedRow>> {
        let mut t = lock(&self.tables);
        let table = t.of(app, object);
        Ok(seqs.iter().filter_map(|s| table.get(s).cloned()).collect())
    }

    async fn release(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()> {
        let mut t = lock(&self.tables);
        let table = t.of(app, object);
        for seq in seqs {
            if let Some(r) = table.get_mut(seq) {
                r.job = None;
            }
        }
        Ok(())
    }

    async fn jobs(&self, app: &AppId, object: ObjectKind) -> StoreResult<Vec<String>> {
        let mut t = lock(&self.tables);
        let mut jobs: Vec<String> = t
            .of(app, object)
            .values()
            .filter_map(|r| r.job.clone())
            .collect();
        jobs.sort();
        jobs.dedup();
        Ok(jobs)
    }

    async fn remove(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()> {
        let failing = self.failing_removes.load(Ordering::SeqCst);
        if failing > 0 {
            self.failing_removes.store(failing - 1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("staging is down (injected)".into()));
        }
        let mut t = lock(&self.tables);
        let table = t.of(app, object);
        for seq in seqs {
            table.remove(seq);
        }
        Ok(())
    }

    async fn purge(&self, app: &AppId) -> StoreResult<u64> {
        let mut t = lock(&self.tables);
        let mut n = 0;
        t.rows.retain(|(a, _), rows| {
            if a == app {
                n += rows.len() as u64;
                false
            } else {
                true
            }
        });
        Ok(n)
    }
}
