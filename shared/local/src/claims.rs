//! Record claims on SQLite: one immediate transaction per call, so a claim is atomic.

use crate::LocalStore;
use crate::db::{DbResult, nanos};
use app::ports::{ClaimState, RecordClaims, StoreResult};
use async_trait::async_trait;
use domain::AppId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

fn instant(nanos: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn claim_one(c: &Connection, app: &str, key: &str, now: i64, until: i64) -> DbResult<ClaimState> {
    let held: Option<(i64, i64)> = c
        .prepare_cached("SELECT first_at, lease_until FROM claims WHERE app = ?1 AND key = ?2")?
        .query_row(params![app, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match held {
        None => {
            c.prepare_cached(
                "INSERT INTO claims (app, key, first_at, lease_until) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![app, key, now, until])?;
            ClaimState::Fresh
        }
        Some((_, lease)) if lease > now => ClaimState::Busy,
        Some((first, _)) => {
            c.prepare_cached("UPDATE claims SET lease_until = ?3 WHERE app = ?1 AND key = ?2")?
                .execute(params![app, key, until])?;
            ClaimState::Retried {
                first_at: instant(first),
            }
        }
    })
}

impl LocalStore {
    /// On one machine nothing else can hold a lease once the process starts: end every lease a
    /// killed predecessor left (its claims stay, so its uncertain creates are looked for).
    pub async fn end_leases(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let now = nanos(now).map_err(crate::db::store_error)?;
        self.db
            .call(move |c| {
                let n = c
                    .prepare_cached("UPDATE claims SET lease_until = ?1 WHERE lease_until > ?1")?
                    .execute(params![now])?;
                Ok(n as u64)
            })
            .await
    }
}

#[async_trait]
impl RecordClaims for LocalStore {
    async fn claim_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<ClaimState>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let (app, keys) = (app.to_string(), keys.to_vec());
        let (now, until) = (
            nanos(now).map_err(crate::db::store_error)?,
            nanos(lease_until).map_err(crate::db::store_error)?,
        );
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let states = keys
                    .iter()
                    .map(|k| claim_one(&tx, &app, k, now, until))
                    .collect::<DbResult<Vec<_>>>()?;
                tx.commit()?;
                Ok(states)
            })
            .await
    }

    async fn finish_records(&self, app: &AppId, keys: &[String]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let (app, keys) = (app.to_string(), keys.to_vec());
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                for k in &keys {
                    tx.prepare_cached("DELETE FROM claims WHERE app = ?1 AND key = ?2")?
                        .execute(params![app, k])?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn release_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let (app, keys) = (app.to_string(), keys.to_vec());
        let now = nanos(now).map_err(crate::db::store_error)?;
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                for k in &keys {
                    tx.prepare_cached(
                        "UPDATE claims SET lease_until = ?3 WHERE app = ?1 AND key = ?2",
                    )?
                    .execute(params![app, k, now])?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }
}
