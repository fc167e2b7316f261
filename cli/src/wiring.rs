//! The connector assembled on one machine: the embedded SQLite store and durable queue, the
//! Salesforce and JING clients per app (tokens from the vault, every Salesforce call reserved
//! in the quota counter first), and the use-case dependency bundles built from them.

use app::ports::*;
use app::settings::AppSettings;
use domain::AppId;
use jing::JingContract;
use local::{LocalStore, SqliteQueue};
use salesforce::SfAppConfig;
use salesforce::port_wiring::BudgetStores;
use secrecy::SecretString;
use std::sync::Arc;

/// Deliveries a message may fail before it goes to the dead-letter list.
pub const MAX_RECEIVES: u32 = 5;

pub struct Connector {
    pub store: Arc<LocalStore>,
    pub queue: Arc<SqliteQueue>,
    pub clock: Arc<dyn Clock>,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub http: reqwest::Client,
}

pub use remotes::{Remotes, WiringError};

impl Connector {
    pub fn sf_auth(&self) -> salesforce::port::SfAuthAdapter {
        salesforce::port::SfAuthAdapter::new(self.http.clone(), self.sf_app.clone())
    }

    /// Build the clients of a connected app from the vault.
    pub async fn remotes(&self, settings: &AppSettings) -> Result<Remotes, WiringError> {
        let sources = remotes::ClientSources {
            http: self.http.clone(),
            sf_app: self.sf_app.clone(),
            jing_contract: self.jing_contract.clone(),
            vault: self.store.clone(),
            budget: BudgetStores {
                quota: self.store.clone(),
                cursors: self.store.clone(),
                settings: self.store.clone(),
                clock: self.clock.clone(),
            },
        };
        // One machine talks to JING for every app: a faster pace than a Lambda's.
        remotes::remotes(&sources, settings, |cfg| {
            cfg.rate_per_sec = 200.0;
            cfg.burst = 50;
        })
        .await
    }

    pub fn writer_deps<'a>(&'a self, r: &'a Remotes) -> app::write::Deps<'a> {
        app::write::Deps {
            bindings: self.store.as_ref(),
            errors: self.store.as_ref(),
            synced: self.store.as_ref(),
            ledger: self.store.as_ref(),
            quota: self.store.as_ref(),
            parked: self.store.as_ref(),
            settings: self.store.as_ref(),
            sf: &r.sf,
            jing: &r.jing,
            clock: self.clock.as_ref(),
        }
    }

    pub fn connect_deps<'a>(&'a self, auth: &'a dyn SfAuth) -> app::connect::ConnectDeps<'a> {
        app::connect::ConnectDeps {
            auth,
            settings: self.store.as_ref(),
            vault: self.store.as_ref(),
            cursors: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn push_deps(&self) -> app::capture::PushDeps<'_> {
        app::capture::PushDeps {
            queue: self.queue.as_ref(),
            seen: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn poll_deps<'a>(&'a self, r: &'a Remotes) -> app::capture::PollDeps<'a> {
        app::capture::PollDeps {
            sf: &r.sf,
            queue: self.queue.as_ref(),
            cursors: self.store.as_ref(),
            seen: self.store.as_ref(),
            bindings: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub fn init_deps<'a>(&'a self, r: &'a Remotes) -> app::init::InitDeps<'a> {
        app::init::InitDeps {
            sf: &r.sf,
            jing: &r.jing,
            queue: self.queue.as_ref(),
            cursors: self.store.as_ref(),
            settings: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    pub async fn settings(&self, app: &AppId) -> Result<AppSettings, StoreError> {
        SettingsStore::get(self.store.as_ref(), app)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("unknown app {app}")))
    }

    /// Store a secret (JING app secret, webhook token) in the vault.
    pub async fn put_secret(
        &self,
        app: &AppId,
        kind: SecretKind,
        value: &str,
    ) -> Result<(), StoreError> {
        TokenVault::put(
            self.store.as_ref(),
            app,
            kind,
            &SecretString::from(value.to_owned()),
        )
        .await
    }
}
