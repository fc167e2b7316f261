//! [`BindingStore`] on SQLite: a primary key on the Salesforce id and a UNIQUE index on the JING
//! id, so a second binding of either id fails inside SQLite, whatever the concurrency.

use crate::LocalStore;
use crate::db::{DbError, DbResult, decode, encode, is_constraint, to_i64};
use app::ports::{Binding, BindingStore, StoreError, StoreResult};
use async_trait::async_trait;
use domain::{AppId, JingId, ObjectKind, SfId};
use rusqlite::{Connection, OptionalExtension, params};

fn conflict_on_constraint(e: rusqlite::Error, binding: &Binding) -> DbError {
    if is_constraint(&e) {
        let what = format!(
            "{} {} or {} is already bound",
            binding.object, binding.sf_id, binding.jing_id
        );
        return StoreError::Conflict(what).into();
    }
    e.into()
}

fn insert(conn: &Connection, b: &Binding) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO bindings (app, object, sf_id, jing_id, version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        b.app.as_str(),
        b.object.as_str(),
        b.sf_id.as_str(),
        b.jing_id.as_str(),
        to_i64(b.version)?,
        encode(b)?
    ])
    .map_err(|e| conflict_on_constraint(e, b))?;
    Ok(())
}

/// One statement: the version check and the write are atomic without a transaction.
fn replace(conn: &Connection, b: &Binding, expected: u64) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE bindings SET jing_id = ?4, version = ?5, body = ?6
         WHERE app = ?1 AND object = ?2 AND sf_id = ?3 AND version = ?7",
    )?;
    let changed = stmt
        .execute(params![
            b.app.as_str(),
            b.object.as_str(),
            b.sf_id.as_str(),
            b.jing_id.as_str(),
            to_i64(b.version)?,
            encode(b)?,
            to_i64(expected)?
        ])
        .map_err(|e| conflict_on_constraint(e, b))?;
    if changed == 0 {
        let msg = format!(
            "binding {} {} is not at version {expected}",
            b.object, b.sf_id
        );
        return Err(StoreError::Conflict(msg).into());
    }
    Ok(())
}

/// One transaction for many writes: a write that conflicts (a constraint, a stale version)
/// fails alone, since SQLite undoes only the failing statement; any other failure undoes them all.
fn put_each(
    c: &mut Connection,
    writes: &[(Binding, Option<u64>)],
) -> DbResult<Vec<StoreResult<()>>> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(writes.len());
    for (b, expected) in writes {
        let written = match expected {
            None => insert(&tx, b),
            Some(v) => replace(&tx, b, *v),
        };
        results.push(match written {
            Ok(()) => Ok(()),
            Err(DbError::Store(e @ StoreError::Conflict(_))) => Err(e),
            Err(other) => return Err(other),
        });
    }
    tx.commit()?;
    Ok(results)
}

const BY_SF: &str = "SELECT body FROM bindings WHERE app = ?1 AND object = ?2 AND sf_id = ?3";
const BY_JING: &str = "SELECT body FROM bindings WHERE app = ?1 AND object = ?2 AND jing_id = ?3";

fn select_one(
    conn: &Connection,
    sql: &str,
    app: &str,
    object: &str,
    id: &str,
) -> DbResult<Option<Binding>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let body: Option<String> = stmt
        .query_row(params![app, object, id], |r| r.get(0))
        .optional()?;
    body.map(|b| decode(&b)).transpose()
}

#[async_trait]
impl BindingStore for LocalStore {
    async fn by_sf(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &SfId,
    ) -> StoreResult<Option<Binding>> {
        let (app, id) = (app.to_string(), id.to_string());
        self.db
            .call(move |c| select_one(c, BY_SF, &app, object.as_str(), &id))
            .await
    }

    async fn by_jing(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        let (app, id) = (app.to_string(), id.to_string());
        self.db
            .call(move |c| select_one(c, BY_JING, &app, object.as_str(), &id))
            .await
    }

    /// One read transaction for the whole list (one lock and one snapshot, not one per record).
    async fn by_records(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[domain::RecordRef],
    ) -> StoreResult<Vec<Option<Binding>>> {
        let (app, records) = (app.to_string(), records.to_vec());
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                let found = records
                    .iter()
                    .map(|r| {
                        let sql = match r {
                            domain::RecordRef::Salesforce(_) => BY_SF,
                            domain::RecordRef::Jing(_) => BY_JING,
                        };
                        select_one(&tx, sql, &app, object.as_str(), r.as_str())
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                tx.commit()?;
                Ok(found)
            })
            .await
    }

    async fn put(&self, binding: &Binding, expected_version: Option<u64>) -> StoreResult<()> {
        let binding = binding.clone();
        self.db
            .call(move |c| match expected_version {
                None => insert(c, &binding),
                Some(v) => replace(c, &binding, v),
            })
            .await
    }

    async fn put_each(&self, writes: &[(Binding, Option<u64>)]) -> Vec<StoreResult<()>> {
        let writes = writes.to_vec();
        let n = writes.len();
        match self.db.call(move |c| put_each(c, &writes)).await {
            Ok(results) => results,
            Err(e) => vec![Err(e); n],
        }
    }

    async fn remove(&self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> StoreResult<()> {
        let (app, id) = (app.to_string(), sf_id.to_string());
        self.db
            .call(move |c| {
                let sql = "DELETE FROM bindings WHERE app = ?1 AND object = ?2 AND sf_id = ?3";
                c.prepare_cached(sql)?
                    .execute(params![app, object.as_str(), id])?;
                Ok(())
            })
            .await
    }

    async fn count(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql = "SELECT COUNT(*) FROM bindings WHERE app = ?1 AND object = ?2";
                let n: i64 = c
                    .prepare_cached(sql)?
                    .query_row(params![app, object.as_str()], |r| r.get(0))?;
                Ok(n as u64)
            })
            .await
    }

    async fn list(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        let app = app.to_string();
        let after = after.map_or(String::new(), |id| id.to_string());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT body FROM bindings WHERE app = ?1 AND object = ?2 AND sf_id > ?3
                     ORDER BY sf_id LIMIT ?4",
                )?;
                let bodies = stmt.query_map(params![app, object.as_str(), after, limit], |r| {
                    r.get::<_, String>(0)
                })?;
                bodies.map(|b| decode(&b?)).collect()
            })
            .await
    }
}
