//! [`Ports`]: every port of one deployment in one bundle, built once by the deployment's
//! adapters (`aws::Adapters::ports`, `local::LocalStore::ports`, the fakes), and the use cases'
//! dependency sets taken from it. Every edge (HTTP intake, admin API, jobs) works on this one
//! bundle whatever the deployment.

use super::*;
use std::sync::Arc;

/// Every port of a deployment, shared behind `Arc`s (cloning is cheap).
#[derive(Clone)]
pub struct Ports {
    pub settings: Arc<dyn SettingsStore>,
    pub bindings: Arc<dyn BindingStore>,
    pub errors: Arc<dyn ErrorStore>,
    pub sync_log: Arc<dyn SyncLog>,
    pub ledger: Arc<dyn Ledger>,
    /// What the writer decided per record and why (explain).
    pub decisions: Arc<dyn DecisionLog>,
    pub quota: Arc<dyn QuotaStore>,
    pub parked: Arc<dyn ParkedStore>,
    pub queue: Arc<dyn ChangeQueue>,
    pub cursors: Arc<dyn CursorStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub vault: Arc<dyn TokenVault>,
    pub mailer: Arc<dyn Mailer>,
    pub app_data: Arc<dyn AppData>,
    pub init_runs: Arc<dyn InitRuns>,
    pub claims: Arc<dyn RecordClaims>,
    /// Creates staged for Bulk API 2.0 ingest jobs during initialization (`None`: the
    /// deployment writes every create through sObject Collections).
    pub staging: Option<Arc<dyn StagingStore>>,
    pub clock: Arc<dyn Clock>,
}

impl Ports {
    pub fn writer_deps<'a>(&'a self, c: &'a AppClients) -> crate::write::Deps<'a> {
        crate::write::Deps {
            bindings: self.bindings.as_ref(),
            errors: self.errors.as_ref(),
            synced: self.sync_log.as_ref(),
            ledger: self.ledger.as_ref(),
            decisions: self.decisions.as_ref(),
            quota: self.quota.as_ref(),
            parked: self.parked.as_ref(),
            claims: self.claims.as_ref(),
            settings: self.settings.as_ref(),
            sf: c.sf.as_ref(),
            jing: c.jing.as_ref(),
            clock: self.clock.as_ref(),
            staging: self.staging.as_deref(),
        }
    }

    pub fn connect_deps<'a>(&'a self, auth: &'a dyn SfAuth) -> crate::connect::ConnectDeps<'a> {
        crate::connect::ConnectDeps {
            auth,
            settings: self.settings.as_ref(),
            vault: self.vault.as_ref(),
            cursors: self.cursors.as_ref(),
            bindings: self.bindings.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn push_deps(&self) -> crate::capture::PushDeps<'_> {
        crate::capture::PushDeps {
            queue: self.queue.as_ref(),
            seen: self.idempotency.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn poll_deps<'a>(&'a self, c: &'a AppClients) -> crate::capture::PollDeps<'a> {
        crate::capture::PollDeps {
            sf: c.sf.as_ref(),
            queue: self.queue.as_ref(),
            cursors: self.cursors.as_ref(),
            seen: self.idempotency.as_ref(),
            bindings: self.bindings.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn jing_poll_deps<'a>(&'a self, c: &'a AppClients) -> crate::capture::JingPollDeps<'a> {
        crate::capture::JingPollDeps {
            jing: c.jing.as_ref(),
            queue: self.queue.as_ref(),
            cursors: self.cursors.as_ref(),
            seen: self.idempotency.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn init_deps<'a>(&'a self, c: &'a AppClients) -> crate::init::InitDeps<'a> {
        crate::init::InitDeps {
            sf: c.sf.as_ref(),
            jing: c.jing.as_ref(),
            queue: self.queue.as_ref(),
            cursors: self.cursors.as_ref(),
            settings: self.settings.as_ref(),
            clock: self.clock.as_ref(),
            writer: Some(self.writer_deps(c)),
        }
    }

    pub fn quota_deps(&self) -> crate::quota_reset::QuotaDeps<'_> {
        crate::quota_reset::QuotaDeps {
            quota: self.quota.as_ref(),
            parked: self.parked.as_ref(),
            queue: self.queue.as_ref(),
            settings: self.settings.as_ref(),
            cursors: self.cursors.as_ref(),
        }
    }

    pub fn digest_deps(&self) -> crate::digest::DigestDeps<'_> {
        crate::digest::DigestDeps {
            settings: self.settings.as_ref(),
            errors: self.errors.as_ref(),
            cursors: self.cursors.as_ref(),
            mailer: self.mailer.as_ref(),
        }
    }

    pub fn member_deps<'a>(&'a self, c: &'a AppClients) -> crate::members::MemberDeps<'a> {
        crate::members::MemberDeps {
            bindings: self.bindings.as_ref(),
            sf: c.sf.as_ref(),
            jing: c.jing.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn status_deps(&self) -> crate::status::StatusDeps<'_> {
        crate::status::StatusDeps {
            errors: self.errors.as_ref(),
            synced: self.sync_log.as_ref(),
            ledger: self.ledger.as_ref(),
            bindings: self.bindings.as_ref(),
            quota: self.quota.as_ref(),
            parked: self.parked.as_ref(),
            settings: self.settings.as_ref(),
            cursors: self.cursors.as_ref(),
            queue: self.queue.as_ref(),
        }
    }
}
