//! The connector assembled on one machine: the embedded SQLite store and durable queue as the
//! edge's ports, the clients of connected apps (tokens from the vault, every Salesforce call
//! reserved in the quota counter first), and the work loop's wake-up for initialization runs.

use app::ports::{Clock, Mailer};
use edge::{Edge, EdgeOptions};
use jing::JingContract;
use local::{LocalInitRuns, LocalStore};
use salesforce::SfAppConfig;
use salesforce::port_wiring::BudgetStores;
use secrecy::SecretString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Deliveries before a change becomes a dead letter: with the drain's backoff, at least 24
/// hours of retries.
pub const MAX_RECEIVES: u32 = edge::jobs::MAX_RECEIVES;

/// What the embedded connector is built from.
pub struct LocalSetup<'a> {
    pub db: &'a Path,
    pub clock: Arc<dyn Clock>,
    pub mailer: Arc<dyn Mailer>,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub options: EdgeOptions,
    pub admin_token: SecretString,
    /// Longest wait for one Salesforce or JING call.
    pub http_timeout: Duration,
    /// Retries inside one Salesforce call.
    pub sf_retry: salesforce::RetryPolicy,
}

/// The embedded connector: its edge, and the store, queue and wake-up under it.
#[derive(Clone)]
pub struct Local {
    pub edge: Edge,
    pub store: LocalStore,
    pub queue: Arc<local::SqliteQueue>,
    pub init_runs: Arc<LocalInitRuns>,
}

/// Open the store and build the edge over it.
pub fn local(setup: LocalSetup<'_>) -> Result<Local, Box<dyn std::error::Error + Send + Sync>> {
    let store = LocalStore::open(setup.db)?;
    let queue = Arc::new(store.queue(setup.clock.clone(), MAX_RECEIVES));
    let init_runs = Arc::new(LocalInitRuns::default());
    let ports = store.ports(
        queue.clone(),
        setup.mailer,
        setup.clock.clone(),
        init_runs.clone(),
    );
    let sources = remotes::ClientSources {
        http: reqwest::Client::builder()
            .timeout(setup.http_timeout)
            .build()?,
        sf_app: setup.sf_app,
        jing_contract: setup.jing_contract,
        vault: ports.vault.clone(),
        settings: ports.settings.clone(),
        budget: BudgetStores {
            quota: ports.quota.clone(),
            cursors: ports.cursors.clone(),
            settings: ports.settings.clone(),
            clock: setup.clock,
        },
        // One machine talks to JING for every app: a faster pace than a Lambda's.
        jing_pace: Some((200.0, 50)),
        sf_retry: setup.sf_retry,
    };
    let edge = Edge::new(
        ports,
        Arc::new(remotes::Remotes::new(sources)),
        setup.admin_token,
        setup.options,
    );
    Ok(Local {
        edge,
        store,
        queue,
        init_runs,
    })
}
