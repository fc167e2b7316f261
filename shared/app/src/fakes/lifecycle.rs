//! Fakes of [`AppData`] (deleting an app from every fake store) and [`InitRuns`] (requests
//! recorded for the test to look at).

use super::*;
use crate::ports::{AppData, InitRuns, Purged, StagingStore, StoreResult};
use async_trait::async_trait;
use domain::AppId;
use std::sync::Mutex;

/// Forgets an app in every fake store it was built over (see [`Fakes::app_data`]).
#[derive(Clone)]
pub struct MemAppData {
    pub bindings: MemBindingStore,
    pub errors: MemErrorStore,
    pub sync_log: MemSyncLog,
    pub ledger: MemLedger,
    pub decisions: super::MemDecisionLog,
    pub parked: MemParkedStore,
    pub cursors: MemCursorStore,
    pub quota: MemQuotaStore,
    pub queue: MemQueue,
    pub claims: super::MemRecordClaims,
    pub staging: MemStagingStore,
}

#[async_trait]
impl AppData for MemAppData {
    async fn purge(&self, app: &AppId) -> StoreResult<Purged> {
        Ok(Purged {
            bindings: self.bindings.forget_app(app),
            errors: self.errors.forget_app(app),
            synced: self.sync_log.forget_app(app),
            ledger: self.ledger.forget_app(app),
            decisions: self.decisions.forget_app(app),
            parked: self.parked.forget_app(app),
            state: self.cursors.forget_app(app)
                + self.quota.forget_app(app)
                + self.claims.forget_app(app),
            queued: self.queue.forget_app(app) + StagingStore::purge(&self.staging, app).await?,
        })
    }
}

/// Records every requested initialization run: (app, delay).
#[derive(Default, Clone)]
pub struct MemInitRuns {
    requests: Arc<Mutex<Vec<(AppId, Duration)>>>,
}

impl MemInitRuns {
    pub fn requests(&self) -> Vec<(AppId, Duration)> {
        lock(&self.requests).clone()
    }
}

#[async_trait]
impl InitRuns for MemInitRuns {
    async fn request(&self, app: &AppId, delay: Duration) -> StoreResult<()> {
        lock(&self.requests).push((app.clone(), delay));
        Ok(())
    }
}
