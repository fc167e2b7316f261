//! Cursors, idempotency claims, quota counters, settings and the vault on SQLite.

use crate::LocalStore;
use crate::db::{DbResult, decode, encode, nanos, to_i64};
use app::contract::semantics::check_settings_revision;
use app::ports::*;
use app::settings::AppSettings;
use async_trait::async_trait;
use domain::AppId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use secrecy::{ExposeSecret, SecretString};
use time::{Date, OffsetDateTime};

#[async_trait]
impl CursorStore for LocalStore {
    async fn get(&self, app: &AppId, key: &str) -> StoreResult<Option<String>> {
        let (app, key) = (app.to_string(), key.to_owned());
        self.db
            .call(move |c| {
                let sql = "SELECT value FROM cursors WHERE app = ?1 AND key = ?2";
                Ok(c.prepare_cached(sql)?
                    .query_row(params![app, key], |r| r.get(0))
                    .optional()?)
            })
            .await
    }

    async fn put(&self, app: &AppId, key: &str, value: &str) -> StoreResult<()> {
        let (app, key, value) = (app.to_string(), key.to_owned(), value.to_owned());
        self.db
            .call(move |c| {
                let sql = "INSERT INTO cursors (app, key, value) VALUES (?1, ?2, ?3)
                           ON CONFLICT (app, key) DO UPDATE SET value = excluded.value";
                c.prepare_cached(sql)?.execute(params![app, key, value])?;
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl IdempotencyStore for LocalStore {
    /// One conditional upsert: inserts, or takes over an expired claim; otherwise changes nothing.
    /// Each claim also deletes a few expired claims, so the table stays the size of one TTL.
    async fn claim(
        &self,
        key: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let key = key.to_owned();
        self.db
            .call(move |c| {
                let now = nanos(now)?;
                let fresh = claim_in(c, &key, nanos(expires_at)?, now)?;
                purge_expired_claims(c, now)?;
                Ok(fresh)
            })
            .await
    }

    async fn release(&self, key: &str) -> StoreResult<()> {
        let key = key.to_owned();
        self.db
            .call(move |c| {
                c.prepare_cached("DELETE FROM idempotency WHERE key = ?1")?
                    .execute(params![key])?;
                Ok(())
            })
            .await
    }
}

/// Claim `key` until `expires_at` unless a live claim holds it (one conditional upsert that also
/// takes over an expired claim). Whether this call claimed it.
pub(crate) fn claim_in(c: &Connection, key: &str, expires_at: i64, now: i64) -> DbResult<bool> {
    let sql = "INSERT INTO idempotency (key, expires_at) VALUES (?1, ?2)
               ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
               WHERE idempotency.expires_at <= ?3";
    Ok(c.prepare_cached(sql)?
        .execute(params![key, expires_at, now])?
        == 1)
}

/// A few expired claims go with each claiming call, so the table stays the size of one TTL.
pub(crate) fn purge_expired_claims(c: &Connection, now: i64) -> DbResult<()> {
    let purge = "DELETE FROM idempotency WHERE key IN
                 (SELECT key FROM idempotency WHERE expires_at <= ?1 LIMIT 8)";
    c.prepare_cached(purge)?.execute(params![now])?;
    Ok(())
}

fn used_on(c: &Connection, app: &str, day: &str) -> DbResult<u64> {
    let sql = "SELECT used FROM quota WHERE app = ?1 AND day = ?2";
    let used: Option<i64> = c
        .prepare_cached(sql)?
        .query_row(params![app, day], |r| r.get(0))
        .optional()?;
    Ok(used.unwrap_or(0) as u64)
}

fn set_used(c: &Connection, app: &str, day: &str, used: u64) -> DbResult<()> {
    let sql = "INSERT INTO quota (app, day, used) VALUES (?1, ?2, ?3)
               ON CONFLICT (app, day) DO UPDATE SET used = excluded.used";
    c.prepare_cached(sql)?
        .execute(params![app, day, to_i64(used)?])?;
    Ok(())
}

/// Read, decide and write in one `BEGIN IMMEDIATE` transaction: the write lock is taken before the
/// read, so no other connection or process can interleave.
fn reserve(
    c: &mut Connection,
    app: &str,
    day: &str,
    calls: u64,
    allocation: u64,
) -> DbResult<Reservation> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let used = used_on(&tx, app, day)?;
    let outcome = match used.checked_add(calls).filter(|total| *total <= allocation) {
        Some(total) => {
            set_used(&tx, app, day, total)?;
            Reservation::Granted { used: total }
        }
        None => Reservation::Refused { used },
    };
    tx.commit()?;
    Ok(outcome)
}

/// A rolling window lives in one cursors row (`window|{name}`, JSON buckets), read and written
/// in one immediate transaction: atomic like the quota counter.
fn add_in_window(
    c: &mut Connection,
    app: &str,
    name: &str,
    bucket: i64,
    span: u32,
    counts: &[u64],
) -> DbResult<Vec<u64>> {
    let key = format!("window|{name}");
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let raw: Option<String> = tx
        .prepare_cached("SELECT value FROM cursors WHERE app = ?1 AND key = ?2")?
        .query_row(params![app, key], |r| r.get(0))
        .optional()?;
    let mut buckets: WindowBuckets = match raw {
        Some(raw) => decode(&raw)?,
        None => WindowBuckets::new(),
    };
    let sums = add_to_window(&mut buckets, bucket, span, counts);
    tx.prepare_cached(
        "INSERT INTO cursors (app, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (app, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![app, key, encode(&buckets)?])?;
    tx.commit()?;
    Ok(sums)
}

#[async_trait]
impl QuotaStore for LocalStore {
    async fn add_in_window(
        &self,
        app: &AppId,
        name: &str,
        bucket: i64,
        span: u32,
        counts: &[u64],
    ) -> StoreResult<Vec<u64>> {
        let (app, name, counts) = (app.to_string(), name.to_owned(), counts.to_vec());
        self.db
            .call(move |c| add_in_window(c, &app, &name, bucket, span, &counts))
            .await
    }

    async fn reserve(
        &self,
        app: &AppId,
        day: Date,
        calls: u64,
        allocation: u64,
    ) -> StoreResult<Reservation> {
        let (app, day) = (app.to_string(), day.to_string());
        self.db
            .call(move |c| reserve(c, &app, &day, calls, allocation))
            .await
    }

    async fn release(&self, app: &AppId, day: Date, calls: u64) -> StoreResult<()> {
        let (app, day) = (app.to_string(), day.to_string());
        self.db
            .call(move |c| {
                let sql = "UPDATE quota SET used = MAX(used - ?3, 0) WHERE app = ?1 AND day = ?2";
                c.prepare_cached(sql)?
                    .execute(params![app, day, to_i64(calls)?])?;
                Ok(())
            })
            .await
    }

    async fn used(&self, app: &AppId, day: Date) -> StoreResult<u64> {
        let (app, day) = (app.to_string(), day.to_string());
        self.db.call(move |c| used_on(c, &app, &day)).await
    }
}

fn put_settings(c: &mut Connection, s: &AppSettings) -> DbResult<()> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let sql = "SELECT revision FROM settings WHERE app = ?1";
    let stored: Option<i64> = tx
        .prepare_cached(sql)?
        .query_row(params![s.app.as_str()], |r| r.get(0))
        .optional()?;
    check_settings_revision(stored.map(|r| r as u64), s.revision)?;
    tx.prepare_cached("INSERT OR REPLACE INTO settings (app, revision, body) VALUES (?1, ?2, ?3)")?
        .execute(params![s.app.as_str(), to_i64(s.revision)?, encode(s)?])?;
    tx.commit()?;
    Ok(())
}

#[async_trait]
impl SettingsStore for LocalStore {
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql = "SELECT body FROM settings WHERE app = ?1";
                let body: Option<String> = c
                    .prepare_cached(sql)?
                    .query_row(params![app], |r| r.get(0))
                    .optional()?;
                body.map(|b| decode(&b)).transpose()
            })
            .await
    }

    async fn put(&self, settings: &AppSettings) -> StoreResult<()> {
        let settings = settings.clone();
        self.db.call(move |c| put_settings(c, &settings)).await
    }

    async fn list(&self) -> StoreResult<Vec<AppSettings>> {
        self.db
            .call(|c| {
                let mut stmt = c.prepare_cached("SELECT body FROM settings ORDER BY app")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.map(|b| decode(&b?)).collect()
            })
            .await
    }

    async fn delete(&self, app: &AppId) -> StoreResult<()> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                c.prepare_cached("DELETE FROM settings WHERE app = ?1")?
                    .execute(params![app])?;
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl TokenVault for LocalStore {
    async fn put(&self, app: &AppId, kind: SecretKind, value: &SecretString) -> StoreResult<()> {
        let app = app.to_string();
        // Exposed only to hand it to SQLite; it is never formatted or logged.
        let value = SecretString::from(value.expose_secret().to_owned());
        self.db
            .call(move |c| {
                let sql = "INSERT OR REPLACE INTO secrets (app, kind, value) VALUES (?1, ?2, ?3)";
                c.prepare_cached(sql)?.execute(params![
                    app,
                    kind.as_str(),
                    value.expose_secret()
                ])?;
                Ok(())
            })
            .await
    }

    async fn get(&self, app: &AppId, kind: SecretKind) -> StoreResult<Option<SecretString>> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql = "SELECT value FROM secrets WHERE app = ?1 AND kind = ?2";
                let value: Option<String> = c
                    .prepare_cached(sql)?
                    .query_row(params![app, kind.as_str()], |r| r.get(0))
                    .optional()?;
                Ok(value.map(SecretString::from))
            })
            .await
    }

    async fn remove(&self, app: &AppId, kind: SecretKind) -> StoreResult<()> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                c.prepare_cached("DELETE FROM secrets WHERE app = ?1 AND kind = ?2")?
                    .execute(params![app, kind.as_str()])?;
                Ok(())
            })
            .await
    }

    async fn purge(&self, app: &AppId) -> StoreResult<()> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                c.prepare_cached("DELETE FROM secrets WHERE app = ?1")?
                    .execute(params![app])?;
                Ok(())
            })
            .await
    }
}
