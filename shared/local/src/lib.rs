//! The embedded default: every store port on one SQLite file (WAL, `busy_timeout`, schema
//! versioned with `user_version`), a durable SQLite changes queue, and a mailer writing `.eml`
//! files.
//!
//! Secrets live in their own table of the same file. The file is the protection: in production
//! keep it under the data directory with permissions 0600 (`open` creates new files that way on
//! Unix). Anyone who can read the file can read the tokens.

mod bindings;
mod claims;
mod db;
mod decisions;
mod kv;
mod ledger;
mod lifecycle;
mod mailer;
mod packed;
mod parked;
mod queue;
mod records;
mod staging;

pub use db::{Durability, Execution, Options};
pub use lifecycle::LocalInitRuns;
pub use mailer::LocalMailer;
pub use queue::SqliteQueue;

use app::ports::{Clock, InitRuns, Mailer, Ports, StoreResult};
use db::Db;
use std::path::Path;
use std::sync::Arc;

/// Every store port on one SQLite database. Cheap to clone (the connection is shared).
#[derive(Clone)]
pub struct LocalStore {
    db: Db,
}

impl LocalStore {
    /// Open (or create) the database file, creating or upgrading its schema.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::open_with(path, Options::default())
    }

    pub fn open_with(path: impl AsRef<Path>, options: Options) -> StoreResult<Self> {
        let path = path.as_ref();
        restrict_permissions(path)?;
        Ok(Self {
            db: Db::open(path, options)?,
        })
    }

    /// A private in-memory database (tests, demos).
    pub fn in_memory() -> StoreResult<Self> {
        Ok(Self {
            db: Db::in_memory(Options::default())?,
        })
    }

    /// The changes queue in the same database. A message received `max_receives` times moves to
    /// the dead letters on its next receive.
    pub fn queue(&self, clock: Arc<dyn Clock>, max_receives: u32) -> SqliteQueue {
        SqliteQueue::new(self.db.clone(), clock, max_receives)
    }
}

impl LocalStore {
    /// Every port of the embedded deployment: this store, its `queue`, and the given mailer,
    /// clock and initialization runs.
    pub fn ports(
        &self,
        queue: Arc<SqliteQueue>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        init_runs: Arc<dyn InitRuns>,
    ) -> Ports {
        let store = Arc::new(self.clone());
        Ports {
            settings: store.clone(),
            bindings: store.clone(),
            errors: store.clone(),
            sync_log: store.clone(),
            ledger: store.clone(),
            decisions: store.clone(),
            quota: store.clone(),
            parked: store.clone(),
            queue,
            cursors: store.clone(),
            idempotency: store.clone(),
            vault: store.clone(),
            mailer,
            app_data: store.clone(),
            init_runs,
            claims: Arc::new(self.clone()),
            staging: Some(store),
            clock,
        }
    }
}

/// Create the file readable by its owner only (it holds secrets). Existing files keep their mode.
#[cfg(unix)]
fn restrict_permissions(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
        .map_err(|e| {
            app::ports::StoreError::Unavailable(format!("cannot create {}: {e}", path.display()))
        })
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> StoreResult<()> {
    Ok(())
}
