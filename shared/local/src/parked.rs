//! [`ParkedStore`] on SQLite: one row per (app, record), coalesced in a transaction with
//! `Change::coalesce`; `take` reads and deletes in one transaction.

use crate::LocalStore;
use crate::db::{DbResult, decode, encode};
use app::contract::semantics::park_priority;
use app::ports::{ParkedEntry, ParkedStore, StoreResult};
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

/// A row's version: its sequence number and a hash of its body (a re-park rewrites the body).
fn version(seq: i64, body: &str) -> String {
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{seq}:{hash:016x}")
}

fn peek(c: &mut Connection, app: &str, max: usize) -> DbResult<Vec<ParkedEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, body FROM parked WHERE app = ?1 ORDER BY priority, seq LIMIT ?2",
    )?;
    let limit = i64::try_from(max).unwrap_or(i64::MAX);
    let rows: Vec<(i64, String)> = stmt
        .query_map(params![app, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.iter()
        .map(|(seq, body)| {
            Ok(ParkedEntry {
                change: decode(body)?,
                version: version(*seq, body),
            })
        })
        .collect()
}

fn remove(c: &mut Connection, app: &str, entries: &[ParkedEntry]) -> DbResult<u64> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut removed = 0;
    {
        let mut find =
            tx.prepare_cached("SELECT seq, body FROM parked WHERE app = ?1 AND record = ?2")?;
        let mut delete = tx.prepare_cached("DELETE FROM parked WHERE seq = ?1")?;
        for e in entries {
            let row: Option<(i64, String)> = find
                .query_row(params![app, record_key(&e.change.record)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((seq, _)) = row.filter(|(seq, body)| version(*seq, body) == e.version) {
                removed += delete.execute(params![seq])? as u64;
            }
        }
    }
    tx.commit()?;
    Ok(removed)
}

#[async_trait]
impl ParkedStore for LocalStore {
    async fn park(&self, change: &Change) -> StoreResult<()> {
        let change = change.clone();
        self.db.call(move |c| park(c, &change)).await
    }

    async fn peek(&self, app: &AppId, max: usize) -> StoreResult<Vec<ParkedEntry>> {
        let app = app.to_string();
        self.db.call(move |c| peek(c, &app, max)).await
    }

    async fn remove(&self, app: &AppId, entries: &[ParkedEntry]) -> StoreResult<u64> {
        let (app, entries) = (app.to_string(), entries.to_vec());
        self.db.call(move |c| remove(c, &app, &entries)).await
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
