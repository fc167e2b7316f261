//! [`ChangeQueue`] on SQLite, durable across crashes: `send` returns after its rows are committed;
//! `receive` leases rows (a `visible_at` time and a lease token in the receipt); a row received
//! `max_receives` times, or one that does not decode, moves to `dead_letters` with its raw body.

use crate::db::{Db, DbResult, nanos};
use app::ports::*;
use async_trait::async_trait;
use domain::Change;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
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
    first_at: Option<i64>,
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

    /// After a restart: what the previous process had taken and neither acked nor nacked is
    /// visible again at once, and its delivery does not count (a crash is not the change's
    /// failure). Only for the queue's one consumer process (`jingsf serve` owns its data
    /// directory). Returns how many messages were reclaimed.
    pub async fn reclaim(&self) -> StoreResult<u64> {
        let now = nanos_now(self.clock.as_ref())?;
        self.db
            .call(move |c| {
                let sql = "UPDATE queue SET visible_at = min(visible_at, ?1),
                           receive_count = max(receive_count - 1, 0), lease = 0 WHERE lease > 0";
                Ok(c.prepare_cached(sql)?.execute(params![now])? as u64)
            })
            .await
    }

    async fn claim_and_send(
        &self,
        items: &[KeyedChange],
        now: time::OffsetDateTime,
    ) -> StoreResult<Vec<bool>> {
        let mut encoded = Vec::with_capacity(items.len());
        for i in items {
            let body = serde_json::to_string(&i.change)
                .map_err(|e| StoreError::Corrupt(format!("change does not encode: {e}")))?;
            let expires_at = nanos(i.expires_at).map_err(crate::db::store_error)?;
            encoded.push((i.key.clone(), expires_at, body));
        }
        let now = nanos(now).map_err(crate::db::store_error)?;
        self.db
            .call(move |c| claim_and_insert(c, &encoded, now))
            .await
    }

    fn lease_token(&self) -> i64 {
        (self.next_lease.fetch_add(1, Ordering::Relaxed) & (i64::MAX as u64)) as i64
    }
}

/// An instant stored as Unix nanoseconds.
fn instant(nanos: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
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

/// One transaction: claim each key, queue the bodies whose keys were free.
fn claim_and_insert(
    c: &mut Connection,
    items: &[(String, i64, String)],
    now: i64,
) -> DbResult<Vec<bool>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut queued = Vec::with_capacity(items.len());
    for (key, expires_at, body) in items {
        let fresh = crate::kv::claim_in(&tx, key, *expires_at, now)?;
        if fresh {
            tx.prepare_cached("INSERT INTO queue (body, visible_at) VALUES (?1, ?2)")?
                .execute(params![body, now])?;
        }
        queued.push(fresh);
    }
    crate::kv::purge_expired_claims(&tx, now)?;
    tx.commit()?;
    Ok(queued)
}

fn visible_rows(c: &Connection, now: i64, limit: usize) -> DbResult<Vec<Row>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, body, receive_count, first_at FROM queue WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(Row {
            id: r.get(0)?,
            body: r.get(1)?,
            receive_count: r.get(2)?,
            first_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn dead_letter(c: &Connection, row: &Row, reason: &str, now: i64) -> DbResult<()> {
    c.prepare_cached(
        "INSERT INTO dead_letters (message_id, body, receive_count, reason, at, first_at)
         SELECT ?1, ?2, ?3, ?4, ?5, first_at FROM queue WHERE id = ?1",
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
            // Where it failed, not what it says (the body holds record values).
            let reason = format!("does not decode (line {}, column {})", e.line(), e.column());
            dead_letter(c, &row, &reason, lease.now)?;
            return Ok(None);
        }
    };
    c.prepare_cached("UPDATE queue SET receive_count = receive_count + 1, visible_at = ?2, lease = ?3, first_at = coalesce(first_at, ?4) WHERE id = ?1")?
        .execute(params![row.id, lease.until, lease.token, lease.now])?;
    let receipt = format!("{}:{}", row.id, lease.token);
    Ok(Some(Delivery {
        receipt,
        change,
        receive_count: row.receive_count + 1,
        first_try: Some(instant(row.first_at.unwrap_or(lease.now))),
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

    /// The claims live in this queue's database (the `LocalStore` it came from).
    async fn send_claimed(
        &self,
        items: &[KeyedChange],
        now: time::OffsetDateTime,
    ) -> Option<StoreResult<Vec<bool>>> {
        Some(self.claim_and_send(items, now).await)
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
        // A receipt stays valid after a nack (as SQS's does), until the next receive: the
        // lease is kept, negated, while the message waits.
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
                        tx.prepare_cached("DELETE FROM queue WHERE id = ?1 AND abs(lease) = ?2")?;
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
                // Negated: the message is waiting, not in anyone's hands (see `reclaim`).
                let sql = "UPDATE queue SET visible_at = ?3, lease = -abs(lease)
                           WHERE id = ?1 AND abs(lease) = ?2";
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
                let mut stmt = c.prepare_cached(
                    "SELECT seq, body, receive_count, reason, first_at, at FROM dead_letters ORDER BY seq LIMIT ?1",
                )?;
                let rows = stmt.query_map(params![limit], |r| {
                    Ok(DeadLetter {
                        id: r.get::<_, i64>(0)?.to_string(),
                        body: r.get(1)?,
                        receive_count: r.get(2)?,
                        reason: Some(r.get(3)?),
                        first_try: r.get::<_, Option<i64>>(4)?.map(instant),
                        last_try: Some(instant(r.get(5)?)),
                    })
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> StoreResult<()> {
        let (id, lease) = parse_receipt(&delivery.receipt)?;
        let (reason, now) = (reason.to_owned(), nanos_now(self.clock.as_ref())?);
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let row: Option<Row> = tx
                    .prepare_cached(
                        "SELECT id, body, receive_count, first_at FROM queue WHERE id = ?1 AND abs(lease) = ?2",
                    )?
                    .query_row(params![id, lease], |r| {
                        Ok(Row {
                            id: r.get(0)?,
                            body: r.get(1)?,
                            receive_count: r.get(2)?,
                            first_at: r.get(3)?,
                        })
                    })
                    .optional()?;
                if let Some(row) = row {
                    dead_letter(&tx, &row, &reason, now)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn redrive(&self, ids: &[String]) -> StoreResult<u64> {
        let seqs: Vec<i64> = ids.iter().filter_map(|i| i.parse().ok()).collect();
        let now = nanos_now(self.clock.as_ref())?;
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut moved = 0;
                for seq in &seqs {
                    let n = tx
                        .prepare_cached(
                            "INSERT INTO queue (body, visible_at) SELECT body, ?2 FROM dead_letters WHERE seq = ?1",
                        )?
                        .execute(params![seq, now])?;
                    tx.prepare_cached("DELETE FROM dead_letters WHERE seq = ?1")?
                        .execute(params![seq])?;
                    moved += n as u64;
                }
                tx.commit()?;
                Ok(moved)
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
