//! [`ChangeQueue`] on SQLite, durable across crashes: `send` returns after its rows are committed;
//! `receive` leases rows (a `visible_at` time and a lease token in the receipt); a row received
//! `max_receives` times, or one that does not decode, moves to `dead_letters` with its raw body.

use crate::db::{Db, DbResult, nanos};
use app::ports::*;
use async_trait::async_trait;
use domain::Change;
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub struct SqliteQueue {
    db: Db,
    clock: Arc<dyn Clock>,
    max_receives: u32,
    /// Lease tokens: seeded from the wall clock so a reopened queue never reissues old receipts.
    next_lease: AtomicU64,
}

struct Row {
    id: i64,
    body: String,
    receive_count: u32,
}

impl SqliteQueue {
    pub(crate) fn new(db: Db, clock: Arc<dyn Clock>, max_receives: u32) -> Self {
        let seed =
            time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 & (i64::MAX as u64 >> 1);
        Self {
            db,
            clock,
            max_receives: max_receives.max(1),
            next_lease: AtomicU64::new(seed),
        }
    }

    /// Enqueue a raw body verbatim (redriving an edited dead letter; tests of the poison path).
    pub async fn send_raw(&self, body: &str) -> StoreResult<()> {
        let (body, now) = (body.to_owned(), nanos_now(self.clock.as_ref())?);
        self.db.call(move |c| insert_bodies(c, &[body], now)).await
    }

    fn lease_token(&self) -> i64 {
        (self.next_lease.fetch_add(1, Ordering::Relaxed) & (i64::MAX as u64)) as i64
    }
}

fn nanos_now(clock: &dyn Clock) -> StoreResult<i64> {
    nanos(clock.now()).map_err(crate::db::store_error)
}

fn insert_bodies(c: &mut Connection, bodies: &[String], now: i64) -> DbResult<()> {
    let tx = c.transaction()?;
    {
        let mut stmt = tx.prepare_cached("INSERT INTO queue (body, visible_at) VALUES (?1, ?2)")?;
        for body in bodies {
            stmt.execute(params![body, now])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn visible_rows(c: &Connection, now: i64, limit: usize) -> DbResult<Vec<Row>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, body, receive_count FROM queue WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(Row {
            id: r.get(0)?,
            body: r.get(1)?,
            receive_count: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn dead_letter(c: &Connection, row: &Row, reason: &str, now: i64) -> DbResult<()> {
    c.prepare_cached(
        "INSERT INTO dead_letters (message_id, body, receive_count, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![row.id, row.body, row.receive_count, reason, now])?;
    c.prepare_cached("DELETE FROM queue WHERE id = ?1")?
        .execute(params![row.id])?;
    tracing::warn!(
        message_id = row.id,
        receive_count = row.receive_count,
        reason,
        "Message dead-lettered."
    );
    Ok(())
}

/// What one receive does, fixed before the transaction starts.
struct Lease {
    now: i64,
    until: i64,
    max: usize,
    max_receives: u32,
    token: i64,
}

fn receive(c: &mut Connection, lease: &Lease) -> DbResult<Vec<Delivery>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    while out.len() < lease.max {
        let rows = visible_rows(
            &tx,
            lease.now,
            (lease.max - out.len()).saturating_add(seen.len()),
        )?;
        let fresh: Vec<Row> = rows.into_iter().filter(|r| seen.insert(r.id)).collect();
        if fresh.is_empty() {
            break;
        }
        for row in fresh {
            if out.len() == lease.max {
                break;
            }
            out.extend(lease_row(&tx, row, lease)?);
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Lease one row, or dead-letter it when spent or undecodable.
fn lease_row(c: &Connection, row: Row, lease: &Lease) -> DbResult<Option<Delivery>> {
    if row.receive_count >= lease.max_receives {
        dead_letter(c, &row, "max receives reached", lease.now)?;
        return Ok(None);
    }
    let change = match serde_json::from_str::<Change>(&row.body) {
        Ok(change) => change,
        Err(e) => {
            // The reason is shown to admins: masked (serde quotes the body's values).
            let why = format!("undecodable: {}", domain::redact::json_error(&e));
            dead_letter(c, &row, &why, lease.now)?;
            return Ok(None);
        }
    };
    c.prepare_cached("UPDATE queue SET receive_count = receive_count + 1, visible_at = ?2, lease = ?3 WHERE id = ?1")?
        .execute(params![row.id, lease.until, lease.token])?;
    let receipt = format!("{}:{}", row.id, lease.token);
    Ok(Some(Delivery {
        receipt,
        change,
        receive_count: row.receive_count + 1,
    }))
}

fn parse_receipt(receipt: &str) -> StoreResult<(i64, i64)> {
    receipt
        .split_once(':')
        .and_then(|(id, lease)| Some((id.parse().ok()?, lease.parse().ok()?)))
        .ok_or_else(|| StoreError::Corrupt(format!("not a receipt of this queue: {receipt:?}")))
}

fn add(now: i64, d: Duration) -> i64 {
    now.saturating_add(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[async_trait]
impl ChangeQueue for SqliteQueue {
    async fn send(&self, changes: &[Change]) -> StoreResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let bodies = changes
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("change does not encode: {e}")))?;
        let now = nanos_now(self.clock.as_ref())?;
        self.db.call(move |c| insert_bodies(c, &bodies, now)).await
    }

    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = nanos_now(self.clock.as_ref())?;
        // One token per receive call: a later receive of the same row gets another.
        let lease = Lease {
            now,
            until: add(now, visibility),
            max,
            max_receives: self.max_receives,
            token: self.lease_token(),
        };
        self.db.call(move |c| receive(c, &lease)).await
    }

    async fn ack(&self, receipts: &[String]) -> StoreResult<()> {
        let leases = receipts
            .iter()
            .map(|r| parse_receipt(r))
            .collect::<StoreResult<Vec<_>>>()?;
        if leases.is_empty() {
            return Ok(());
        }
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut stmt =
                        tx.prepare_cached("DELETE FROM queue WHERE id = ?1 AND lease = ?2")?;
                    for (id, lease) in &leases {
                        stmt.execute(params![id, lease])?;
                    }
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()> {
        let (id, lease) = parse_receipt(receipt)?;
        let visible_at = add(nanos_now(self.clock.as_ref())?, delay);
        self.db
            .call(move |c| {
                let sql = "UPDATE queue SET visible_at = ?3 WHERE id = ?1 AND lease = ?2";
                c.prepare_cached(sql)?
                    .execute(params![id, lease, visible_at])?;
                Ok(())
            })
            .await
    }

    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        self.db
            .call(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT message_id, body, receive_count FROM dead_letters ORDER BY seq LIMIT ?1")?;
                let rows = stmt.query_map(params![limit], |r| {
                    Ok(DeadLetter { id: r.get::<_, i64>(0)?.to_string(), body: r.get(1)?, receive_count: r.get(2)? })
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn depth(&self) -> StoreResult<u64> {
        self.db
            .call(|c| {
                let n: i64 = c
                    .prepare_cached("SELECT COUNT(*) FROM queue")?
                    .query_row([], |r| r.get(0))?;
                Ok(n as u64)
            })
            .await
    }
}
