//! [`BindingStore`] on SQLite: a primary key on the Salesforce id and a UNIQUE index on the JING
//! id, so a second binding of either id fails inside SQLite, whatever the concurrency.

use crate::LocalStore;
use crate::db::{DbError, DbResult, is_constraint, to_i64};
use crate::packed::{Stored, pack};
use app::ports::{Binding, BindingStore, StoreError, StoreResult};
use async_trait::async_trait;
use domain::{AppId, JingId, ObjectKind, SfId};
use rusqlite::{Connection, OptionalExtension, params};

/// A binding ready for its statement. Encoded before the database call: a group's writes hand
/// the connection their rows (the packed ~0.7 KB body and the keys) instead of a copy of the bindings
/// with their field maps (a 100k initialization held ~20 MB more at its peak with the copy).
struct Row {
    app: String,
    object: ObjectKind,
    sf_id: String,
    jing_id: String,
    version: i64,
    body: Vec<u8>,
    expected: Option<i64>,
}

impl Row {
    fn of(b: &Binding, expected: Option<u64>) -> StoreResult<Self> {
        let row = || -> DbResult<Self> {
            Ok(Self {
                app: b.app.to_string(),
                object: b.object,
                sf_id: b.sf_id.to_string(),
                jing_id: b.jing_id.to_string(),
                version: to_i64(b.version)?,
                body: pack(b)?,
                expected: expected.map(to_i64).transpose()?,
            })
        };
        row().map_err(crate::db::store_error)
    }

    fn conflict_on_constraint(&self, e: rusqlite::Error) -> DbError {
        if is_constraint(&e) {
            let what = format!(
                "{} {} or {} is already bound",
                self.object, self.sf_id, self.jing_id
            );
            return StoreError::Conflict(what).into();
        }
        e.into()
    }

    fn write(&self, conn: &Connection) -> DbResult<()> {
        match self.expected {
            None => self.insert(conn),
            Some(v) => self.replace(conn, v),
        }
    }

    fn insert(&self, conn: &Connection) -> DbResult<()> {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO bindings (app, object, sf_id, jing_id, version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        stmt.execute(params![
            self.app,
            self.object.as_str(),
            self.sf_id,
            self.jing_id,
            self.version,
            self.body
        ])
        .map_err(|e| self.conflict_on_constraint(e))?;
        Ok(())
    }

    /// One statement: the version check and the write are atomic without a transaction.
    fn replace(&self, conn: &Connection, expected: i64) -> DbResult<()> {
        let mut stmt = conn.prepare_cached(
            "UPDATE bindings SET jing_id = ?4, version = ?5, body = ?6
             WHERE app = ?1 AND object = ?2 AND sf_id = ?3 AND version = ?7",
        )?;
        let changed = stmt
            .execute(params![
                self.app,
                self.object.as_str(),
                self.sf_id,
                self.jing_id,
                self.version,
                self.body,
                expected
            ])
            .map_err(|e| self.conflict_on_constraint(e))?;
        if changed == 0 {
            let msg = format!(
                "binding {} {} is not at version {expected}",
                self.object, self.sf_id
            );
            return Err(StoreError::Conflict(msg).into());
        }
        Ok(())
    }
}

/// One transaction for many writes: a write that conflicts (a constraint, a stale version)
/// fails alone, since SQLite undoes only the failing statement; any other failure undoes them all.
fn put_each(c: &mut Connection, rows: &[Row]) -> DbResult<Vec<StoreResult<()>>> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        results.push(match row.write(&tx) {
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
    let body: Option<Stored> = stmt
        .query_row(params![app, object, id], |r| r.get(0))
        .optional()?;
    body.map(|b| b.decode()).transpose()
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
        let row = Row::of(binding, expected_version)?;
        self.db.call(move |c| row.write(c)).await
    }

    async fn put_each(&self, writes: &[(Binding, Option<u64>)]) -> Vec<StoreResult<()>> {
        let rows: StoreResult<Vec<Row>> = writes.iter().map(|(b, v)| Row::of(b, *v)).collect();
        let n = writes.len();
        let done = match rows {
            Ok(rows) => self.db.call(move |c| put_each(c, &rows)).await,
            Err(e) => Err(e),
        };
        done.unwrap_or_else(|e| vec![Err(e); n])
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
                    r.get::<_, Stored>(0)
                })?;
                bodies.map(|b| b?.decode()).collect()
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::contract as fixtures;

    async fn body_type(store: &LocalStore, app: &str, sf_id: &str) -> String {
        let (app, sf_id) = (app.to_owned(), sf_id.to_owned());
        let sql = "SELECT typeof(body) FROM bindings WHERE app = ?1 AND sf_id = ?2";
        let found = store
            .db
            .call(move |c| Ok(c.query_row(sql, params![app, sf_id], |r| r.get::<_, String>(0))?));
        found.await.unwrap()
    }

    /// A database written before bodies were packed holds TEXT JSON: it reads without a
    /// migration, and its next write stores the packed form.
    #[tokio::test]
    async fn a_binding_stored_as_plain_json_reads_and_is_packed_when_written_again() {
        let store = LocalStore::in_memory().unwrap();
        let (app, sf, jing) = (
            fixtures::app("a"),
            fixtures::sf_id("00Q", 1),
            fixtures::jing_id(1),
        );
        let old = fixtures::binding(&app, ObjectKind::Lead, &sf, &jing, 1);
        let json = serde_json::to_string(&old).unwrap();
        let (a, s, j) = (app.to_string(), sf.to_string(), jing.to_string());
        let (a2, s2) = (a.clone(), s.clone());
        store
            .db
            .call(move |c| {
                let sql = "INSERT INTO bindings (app, object, sf_id, jing_id, version, body) VALUES (?1, 'lead', ?2, ?3, 1, ?4)";
                c.execute(sql, params![a2, s2, j, json])?;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(body_type(&store, &a, &s).await, "text");

        let read = store.by_sf(&app, ObjectKind::Lead, &sf).await.unwrap();
        assert_eq!(read.as_ref(), Some(&old));
        let mut next = old.clone();
        next.version = 2;
        store.put(&next, Some(1)).await.unwrap();
        assert_eq!(body_type(&store, &a, &s).await, "blob");
        let read = store.by_jing(&app, ObjectKind::Lead, &jing).await.unwrap();
        assert_eq!(read, Some(next));
    }
}
