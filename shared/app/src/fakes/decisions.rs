//! Fake of the [`DecisionLog`]: a list, pruned like the real stores on every write.

use super::lock;
use crate::contract::semantics::newest_decisions;
use crate::ports::{Decision, DecisionLog, KEEP_FOR, StoreResult};
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

#[derive(Default, Clone)]
pub struct MemDecisionLog {
    entries: Arc<Mutex<Vec<Decision>>>,
    /// How many `record` calls were made (each is one write to a real store).
    writes: Arc<Mutex<u64>>,
}

impl MemDecisionLog {
    /// Forget an app's decisions (the fake's part of deleting an app).
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut e = lock(&self.entries);
        let before = e.len();
        e.retain(|d| &d.app != app);
        (before - e.len()) as u64
    }

    /// Every decision kept, in write order.
    pub fn all(&self) -> Vec<Decision> {
        lock(&self.entries).clone()
    }

    /// How many batches were written.
    pub fn writes(&self) -> u64 {
        *lock(&self.writes)
    }
}

#[async_trait]
impl DecisionLog for MemDecisionLog {
    async fn record(&self, decisions: &[Decision]) -> StoreResult<()> {
        let mut e = lock(&self.entries);
        e.extend_from_slice(decisions);
        if let Some(latest) = decisions.iter().map(|d| d.at).max() {
            e.retain(|d| d.at >= latest - KEEP_FOR);
        }
        *lock(&self.writes) += 1;
        Ok(())
    }

    async fn for_record(
        &self,
        app: &AppId,
        object: ObjectKind,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Decision>> {
        let matching: Vec<Decision> = lock(&self.entries)
            .iter()
            .filter(|d| &d.app == app && d.object == object && keys.contains(&d.record_key))
            .cloned()
            .collect();
        Ok(newest_decisions(matching, now))
    }
}
