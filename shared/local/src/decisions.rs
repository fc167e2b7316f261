//! [`DecisionLog`] on SQLite: one row per decision; a batch is one transaction that also keeps
//! the log bounded (the newest `KEEP_PER_RECORD` per record it touched, nothing older than
//! `KEEP_FOR` before the batch's newest decision).

use crate::LocalStore;
use crate::db::{DbResult, decode, encode, nanos};
use app::contract::semantics::newest_decisions;
use app::ports::{Decision, DecisionLog, KEEP_FOR, KEEP_PER_RECORD, StoreResult};
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use rusqlite::{Transaction, params};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// Expired rows removed per batch: a bounded amount of work per write (the writer writes far
/// fewer decisions per batch than this, so the backlog never grows).
const EXPIRE_PER_BATCH: i64 = 2_000;

fn prune(tx: &Transaction<'_>, batch: &[Decision]) -> DbResult<()> {
    let touched: BTreeSet<(&str, &str, &str)> = batch
        .iter()
        .map(|d| (d.app.as_str(), d.object.as_str(), d.record_key.as_str()))
        .collect();
    let mut keep = tx.prepare_cached(
        "DELETE FROM decisions WHERE app = ?1 AND object = ?2 AND record_key = ?3 AND seq NOT IN
         (SELECT seq FROM decisions WHERE app = ?1 AND object = ?2 AND record_key = ?3
          ORDER BY at DESC, seq DESC LIMIT ?4)",
    )?;
    for (app, object, key) in touched {
        keep.execute(params![app, object, key, KEEP_PER_RECORD as i64])?;
    }
    if let Some(latest) = batch.iter().map(|d| d.at).max() {
        tx.prepare_cached(
            "DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE at < ?1 LIMIT ?2)",
        )?
        .execute(params![nanos(latest - KEEP_FOR)?, EXPIRE_PER_BATCH])?;
    }
    Ok(())
}

#[async_trait]
impl DecisionLog for LocalStore {
    async fn record(&self, decisions: &[Decision]) -> StoreResult<()> {
        let batch = decisions.to_vec();
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO decisions (app, object, record_key, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?;
                    for d in &batch {
                        insert.execute(params![
                            d.app.as_str(),
                            d.object.as_str(),
                            d.record_key,
                            nanos(d.at)?,
                            encode(d)?
                        ])?;
                    }
                }
                prune(&tx, &batch)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn for_record(
        &self,
        app: &AppId,
        object: ObjectKind,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Decision>> {
        let (app, keys) = (app.to_string(), keys.to_vec());
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT body FROM decisions WHERE app = ?1 AND object = ?2 AND record_key = ?3
                     AND at >= ?4 ORDER BY at, seq",
                )?;
                let mut found = Vec::new();
                for key in &keys {
                    let since = nanos(now - KEEP_FOR)?;
                    let rows = stmt.query_map(params![app, object.as_str(), key, since], |r| {
                        r.get::<_, String>(0)
                    })?;
                    for body in rows {
                        found.push(decode::<Decision>(&body?)?);
                    }
                }
                found.sort_by_key(|d| d.at);
                Ok(newest_decisions(found, now))
            })
            .await
    }
}
