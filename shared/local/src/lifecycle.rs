//! Deleting an app from the embedded store ([`AppData`]) and the work loop's initialization
//! runs ([`LocalInitRuns`]).

use crate::LocalStore;
use crate::db::DbResult;
use app::ports::{AppData, InitRuns, Purged, StoreResult};
use async_trait::async_trait;
use domain::AppId;
use rusqlite::{Connection, TransactionBehavior, params};
use std::time::Duration;
use tokio::sync::Notify;

fn purge(c: &mut Connection, app: &str) -> DbResult<Purged> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let del = |sql: &str| -> DbResult<u64> { Ok(tx.execute(sql, params![app])? as u64) };
    let purged = Purged {
        bindings: del("DELETE FROM bindings WHERE app = ?1")?,
        errors: del("DELETE FROM errors WHERE app = ?1")?,
        synced: del("DELETE FROM synced WHERE app = ?1")?,
        ledger: del("DELETE FROM conflicts WHERE app = ?1")?
            + del("DELETE FROM journal WHERE app = ?1")?,
        decisions: del("DELETE FROM decisions WHERE app = ?1")?,
        parked: del("DELETE FROM parked WHERE app = ?1")?,
        state: del("DELETE FROM cursors WHERE app = ?1")?
            + del("DELETE FROM quota WHERE app = ?1")?
            + del("DELETE FROM claims WHERE app = ?1")?
            // Delivery claims are keyed `{ob,wh}|{app}|...` or `{app}|...`; app ids hold no `|`.
            + del(
                "DELETE FROM idempotency WHERE substr(key, 1, length(?1) + 4) IN
                 ('ob|' || ?1 || '|', 'wh|' || ?1 || '|') OR substr(key, 1, length(?1) + 1) = ?1 || '|'",
            )?,
        queued: del("DELETE FROM queue WHERE json_extract(body, '$.app') = ?1")?
            + del("DELETE FROM dead_letters WHERE json_extract(body, '$.app') = ?1")?
            + del("DELETE FROM staged WHERE app = ?1")?,
    };
    tx.commit()?;
    Ok(purged)
}

#[async_trait]
impl AppData for LocalStore {
    /// One transaction over every table keyed by app, plus the app's queued changes and dead
    /// letters (they hold record values).
    async fn purge(&self, app: &AppId) -> StoreResult<Purged> {
        let app = app.to_string();
        self.db.call(move |c| purge(c, &app)).await
    }
}

/// On one machine the work loop steps every running initialization on its own: a request only
/// wakes it (a delay is the loop's own pace).
#[derive(Debug, Default)]
pub struct LocalInitRuns {
    wake: Notify,
}

impl LocalInitRuns {
    /// Resolves when a run was requested since the last call.
    pub async fn requested(&self) {
        self.wake.notified().await;
    }
}

#[async_trait]
impl InitRuns for LocalInitRuns {
    async fn request(&self, _app: &AppId, _delay: Duration) -> StoreResult<()> {
        self.wake.notify_one();
        Ok(())
    }
}
