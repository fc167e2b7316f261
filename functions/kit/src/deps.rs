//! The use cases' dependency bundles over the AWS adapters (one place, so handlers stay thin).

use crate::Kit;
use crate::remotes::Remotes;
use app::ports::{SettingsStore, SfAuth, StoreError};
use app::settings::AppSettings;
use domain::AppId;

impl Kit {
    pub fn writer_deps<'a>(&'a self, r: &'a Remotes) -> app::write::Deps<'a> {
        let a = self.adapters.as_ref();
        app::write::Deps {
            bindings: &a.bindings,
            errors: &a.errors,
            synced: &a.sync_log,
            ledger: &a.ledger,
            quota: &a.quota,
            parked: &a.parked,
            settings: &a.settings,
            sf: &r.sf,
            jing: &r.jing,
            clock: self.clock.as_ref(),
        }
    }

    pub fn connect_deps<'a>(&'a self, auth: &'a dyn SfAuth) -> app::connect::ConnectDeps<'a> {
        let a = self.adapters.as_ref();
        app::connect::ConnectDeps {
            auth,
            settings: &a.settings,
            vault: &a.vault,
            cursors: &a.cursors,
            clock: self.clock.as_ref(),
        }
    }

    pub fn push_deps(&self) -> app::capture::PushDeps<'_> {
        let a = self.adapters.as_ref();
        app::capture::PushDeps {
            queue: &a.queue,
            seen: &a.idempotency,
            clock: self.clock.as_ref(),
        }
    }

    pub fn poll_deps<'a>(&'a self, r: &'a Remotes) -> app::capture::PollDeps<'a> {
        let a = self.adapters.as_ref();
        app::capture::PollDeps {
            sf: &r.sf,
            queue: &a.queue,
            cursors: &a.cursors,
            seen: &a.idempotency,
            bindings: &a.bindings,
            clock: self.clock.as_ref(),
        }
    }

    pub fn init_deps<'a>(&'a self, r: &'a Remotes) -> app::init::InitDeps<'a> {
        let a = self.adapters.as_ref();
        app::init::InitDeps {
            sf: &r.sf,
            jing: &r.jing,
            queue: &a.queue,
            cursors: &a.cursors,
            settings: &a.settings,
            clock: self.clock.as_ref(),
        }
    }

    pub fn quota_deps(&self) -> app::quota_reset::QuotaDeps<'_> {
        let a = self.adapters.as_ref();
        app::quota_reset::QuotaDeps {
            quota: &a.quota,
            parked: &a.parked,
            queue: &a.queue,
            settings: &a.settings,
            cursors: &a.cursors,
        }
    }

    pub fn digest_deps(&self) -> app::digest::DigestDeps<'_> {
        let a = self.adapters.as_ref();
        app::digest::DigestDeps {
            settings: &a.settings,
            errors: &a.errors,
            cursors: &a.cursors,
            mailer: &a.mailer,
        }
    }

    /// One app's settings; `Ok(None)` for an unknown app.
    pub async fn settings(&self, app: &AppId) -> Result<Option<AppSettings>, StoreError> {
        self.adapters.settings.get(app).await
    }

    /// Every app's settings (the scheduled functions run over all of them).
    pub async fn all_settings(&self) -> Result<Vec<AppSettings>, StoreError> {
        self.adapters.settings.list().await
    }
}
