//! In-memory record claims: one lock makes a claim atomic.

use super::lock;
use crate::ports::{ClaimState, RecordClaims, StoreResult};
use async_trait::async_trait;
use domain::AppId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy)]
struct Held {
    first_at: OffsetDateTime,
    lease_until: OffsetDateTime,
}

#[derive(Default, Clone)]
pub struct MemRecordClaims {
    held: Arc<Mutex<HashMap<(AppId, String), Held>>>,
}

impl MemRecordClaims {
    /// How many claims are remembered (finished ones are gone).
    pub fn len(&self) -> usize {
        lock(&self.held).len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Drop an app's claims; returns how many.
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut held = lock(&self.held);
        let before = held.len();
        held.retain(|(a, _), _| a != app);
        (before - held.len()) as u64
    }
}

#[async_trait]
impl RecordClaims for MemRecordClaims {
    async fn claim_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<ClaimState>> {
        let mut held = lock(&self.held);
        let states = keys
            .iter()
            .map(|k| {
                let slot = held.entry((app.clone(), k.clone()));
                match slot {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(Held {
                            first_at: now,
                            lease_until,
                        });
                        ClaimState::Fresh
                    }
                    std::collections::hash_map::Entry::Occupied(mut o) => {
                        let h = o.get_mut();
                        if h.lease_until > now {
                            ClaimState::Busy
                        } else {
                            h.lease_until = lease_until;
                            ClaimState::Retried {
                                first_at: h.first_at,
                            }
                        }
                    }
                }
            })
            .collect();
        Ok(states)
    }

    async fn finish_records(&self, app: &AppId, keys: &[String]) -> StoreResult<()> {
        let mut held = lock(&self.held);
        for k in keys {
            held.remove(&(app.clone(), k.clone()));
        }
        Ok(())
    }

    async fn release_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let mut held = lock(&self.held);
        for k in keys {
            if let Some(h) = held.get_mut(&(app.clone(), k.clone())) {
                h.lease_until = now;
            }
        }
        Ok(())
    }
}
