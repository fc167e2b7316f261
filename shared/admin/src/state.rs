//! The ports the handlers need, shared behind `Arc`s.

use app::ports::{
    BindingStore, ChangeQueue, Clock, CursorStore, ErrorStore, JingPort, Ledger, ParkedStore,
    QuotaStore, SalesforcePort, SettingsStore, SfAuth, SyncLog, TokenVault,
};
use secrecy::SecretString;
use std::sync::Arc;

/// Everything the admin handlers call. Remote ports are optional: without them the endpoints
/// that need them answer 503 with a clear message (e.g. a status-only deployment).
#[derive(Clone)]
pub struct AdminState {
    pub settings: Arc<dyn SettingsStore>,
    pub bindings: Arc<dyn BindingStore>,
    pub errors: Arc<dyn ErrorStore>,
    pub sync_log: Arc<dyn SyncLog>,
    pub ledger: Arc<dyn Ledger>,
    pub quota: Arc<dyn QuotaStore>,
    pub parked: Arc<dyn ParkedStore>,
    pub queue: Arc<dyn ChangeQueue>,
    pub cursors: Arc<dyn CursorStore>,
    pub vault: Arc<dyn TokenVault>,
    pub clock: Arc<dyn Clock>,
    pub salesforce: Option<Arc<dyn SalesforcePort>>,
    pub jing: Option<Arc<dyn JingPort>>,
    pub auth: Option<Arc<dyn SfAuth>>,
    /// The bearer token every API call must carry (never logged).
    pub admin_token: SecretString,
}

impl AdminState {
    pub(crate) fn quota_deps(&self) -> app::quota_reset::QuotaDeps<'_> {
        app::quota_reset::QuotaDeps {
            quota: self.quota.as_ref(),
            parked: self.parked.as_ref(),
            queue: self.queue.as_ref(),
            settings: self.settings.as_ref(),
            cursors: self.cursors.as_ref(),
        }
    }

    pub(crate) fn sf(&self) -> Result<&dyn SalesforcePort, crate::AdminError> {
        self.salesforce
            .as_deref()
            .ok_or(crate::AdminError::NotConfigured("Salesforce"))
    }

    pub(crate) fn jing(&self) -> Result<&dyn JingPort, crate::AdminError> {
        self.jing
            .as_deref()
            .ok_or(crate::AdminError::NotConfigured("JING"))
    }

    pub(crate) fn sf_auth(&self) -> Result<&dyn SfAuth, crate::AdminError> {
        self.auth
            .as_deref()
            .ok_or(crate::AdminError::NotConfigured("Salesforce OAuth"))
    }

    pub(crate) fn member_deps(&self) -> Result<app::members::MemberDeps<'_>, crate::AdminError> {
        Ok(app::members::MemberDeps {
            bindings: self.bindings.as_ref(),
            sf: self.sf()?,
            jing: self.jing()?,
            clock: self.clock.as_ref(),
        })
    }
}
