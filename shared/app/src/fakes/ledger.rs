//! Fake of the [`Ledger`]: conflicts and the write journal, append-only.

use super::lock;
use crate::contract::semantics::{matches_search, paginate};
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use std::sync::{Arc, Mutex};

/// Conflicts and the write journal, append-only.
#[derive(Default, Clone)]
pub struct MemLedger {
    conflicts: Arc<Mutex<Vec<ConflictEntry>>>,
    journal: Arc<Mutex<Vec<JournalEntry>>>,
}

impl MemLedger {
    /// Forget an app's conflicts and journal (the fake's part of deleting an app).
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut c = lock(&self.conflicts);
        let mut j = lock(&self.journal);
        let before = c.len() + j.len();
        c.retain(|e| &e.app != app);
        j.retain(|e| &e.app != app);
        (before - c.len() - j.len()) as u64
    }
}

#[async_trait]
impl Ledger for MemLedger {
    async fn add_conflict(&self, c: &ConflictEntry) -> StoreResult<()> {
        lock(&self.conflicts).push(c.clone());
        Ok(())
    }

    async fn conflicts(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ConflictEntry>> {
        let mut matching: Vec<ConflictEntry> = lock(&self.conflicts)
            .iter()
            .rev() // newest written first among equal times
            .filter(|c| &c.app == app)
            .filter(|c| q.object.is_none_or(|o| o == c.object))
            .filter(|c| matches_search(q, &[&c.record_key, &c.field]))
            .cloned()
            .collect();
        matching.sort_by_key(|c| std::cmp::Reverse(c.at));
        Ok(paginate(matching, q))
    }

    async fn settle_conflicts(
        &self,
        app: &AppId,
        key: &ConflictKey<'_>,
        settlement: &Settlement,
    ) -> StoreResult<u64> {
        let mut n = 0;
        for c in lock(&self.conflicts).iter_mut() {
            if &c.app == app && key.open(c) {
                c.settled = Some(settlement.clone());
                n += 1;
            }
        }
        Ok(n)
    }

    async fn journal(&self, entries: &[JournalEntry]) -> StoreResult<()> {
        lock(&self.journal).extend_from_slice(entries);
        Ok(())
    }

    async fn journal_for(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Vec<JournalEntry>> {
        let mut entries: Vec<JournalEntry> = lock(&self.journal)
            .iter()
            .filter(|e| &e.app == app && e.object == object && e.record_key == record_key)
            .cloned()
            .collect();
        entries.sort_by_key(|e| e.at); // stable: ties stay in write order
        Ok(entries)
    }
}
