//! [`ParkedStore`] on SQLite: one row per (app, record), coalesced in a transaction with
//! `Change::coalesce`; `take` reads and deletes in one transaction.

use crate::LocalStore;
use crate::db::{DbResult, decode, encode};
use app::contract::semantics::park_priority;
use app::ports::{ParkedStore, StoreResult};
use async_trait::async_trait;
use domain::{AppId, Change, RecordRef};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

fn record_key(r: &RecordRef) -> String {
    format!("{}:{}", r.side().as_str(), r.as_str())
}

fn park(c: &mut Connection, change: &Change) -> DbResult<()> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (app, record) = (change.app.as_str(), record_key(&change.record));
    let sql = "SELECT seq, body FROM parked WHERE app = ?1 AND record = ?2";
    let existing: Option<(i64, String)> = tx
        .prepare_cached(sql)?
        .query_row(params![app, record], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match existing {
        Some((seq, body)) => {
            let mut merged: Change = decode(&body)?;
            merged.coalesce(change.clone());
            tx.prepare_cached("UPDATE parked SET priority = ?2, body = ?3 WHERE seq = ?1")?
                .execute(params![seq, park_priority(&merged), encode(&merged)?])?;
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO parked (app, record, priority, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![app, record, park_priority(change), encode(change)?])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn take(c: &mut Connection, app: &str, max: usize) -> DbResult<Vec<Change>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, body FROM parked WHERE app = ?1 ORDER BY priority, seq LIMIT ?2",
        )?;
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        stmt.query_map(params![app, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    // Decode everything before deleting anything: a corrupt row fails the call, loses nothing.
    let changes = rows
        .iter()
        .map(|(_, body)| decode(body))
        .collect::<DbResult<Vec<Change>>>()?;
    {
        let mut delete = tx.prepare_cached("DELETE FROM parked WHERE seq = ?1")?;
        for (seq, _) in &rows {
            delete.execute(params![seq])?;
        }
    }
    tx.commit()?;
    Ok(changes)
}

#[async_trait]
impl ParkedStore for LocalStore {
    async fn park(&self, change: &Change) -> StoreResult<()> {
        let change = change.clone();
        self.db.call(move |c| park(c, &change)).await
    }

    async fn take(&self, app: &AppId, max: usize) -> StoreResult<Vec<Change>> {
        let app = app.to_string();
        self.db.call(move |c| take(c, &app, max)).await
    }

    async fn count(&self, app: &AppId) -> StoreResult<u64> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql = "SELECT COUNT(*) FROM parked WHERE app = ?1";
                let n: i64 = c
                    .prepare_cached(sql)?
                    .query_row(params![app], |r| r.get(0))?;
                Ok(n as u64)
            })
            .await
    }

    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool> {
        let (app, record) = (app.to_string(), record_key(record));
        self.db
            .call(move |c| {
                let sql = "SELECT EXISTS (SELECT 1 FROM parked WHERE app = ?1 AND record = ?2)";
                Ok(c.prepare_cached(sql)?
                    .query_row(params![app, record], |r| r.get(0))?)
            })
            .await
    }
}
