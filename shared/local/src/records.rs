//! [`ErrorStore`] and [`SyncLog`] on SQLite. Filters and paging run in SQL; the
//! search column holds the lower-cased name and key, written with the same rule the fakes use.

use crate::LocalStore;
use crate::db::{DbResult, decode, encode, from_variant_name, nanos, variant_name};
use app::contract::semantics::{page_limit, search_haystack, search_needle};
use app::ports::*;
use async_trait::async_trait;
use domain::{AppId, Category, ObjectKind};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use time::OffsetDateTime;

/// `WHERE` clause and parameters of a listing.
pub(crate) struct Filter {
    clause: String,
    params: Vec<Sql>,
}

impl Filter {
    pub(crate) fn new(app: &AppId, q: &ListQuery, with_category: bool) -> DbResult<Self> {
        let mut f = Filter {
            clause: "app = ?".into(),
            params: vec![Sql::Text(app.to_string())],
        };
        if let Some(o) = q.object {
            f.and("object = ?", Sql::Text(o.as_str().into()));
        }
        if let (true, Some(c)) = (with_category, q.category) {
            f.and("category = ?", Sql::Text(variant_name(&c)?));
        }
        if let Some(needle) = search_needle(q) {
            f.and("instr(search, ?) > 0", Sql::Text(needle));
        }
        Ok(f)
    }

    fn and(&mut self, clause: &str, param: Sql) {
        self.clause.push_str(" AND ");
        self.clause.push_str(clause);
        self.params.push(param);
    }

    /// Count all matches, then fetch one page of bodies in `order`.
    pub(crate) fn page<T: serde::de::DeserializeOwned>(
        &self,
        c: &Connection,
        table: &str,
        order: &str,
        q: &ListQuery,
    ) -> DbResult<Page<T>> {
        let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {}", self.clause);
        let total: i64 = c
            .prepare_cached(&count_sql)?
            .query_row(params_from_iter(&self.params), |r| r.get(0))?;
        let limit = page_limit(q).map_or(-1, |l| l as i64);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT body FROM {table} WHERE {} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            self.clause
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&self.params), |r| r.get::<_, String>(0))?;
        let items = rows.map(|b| decode(&b?)).collect::<DbResult<Vec<T>>>()?;
        Ok(Page {
            items,
            total: total as u64,
        })
    }
}

/// Non-zero counts per stored name, sorted in the key type's order.
fn counts<K: Ord + serde::de::DeserializeOwned>(
    c: &Connection,
    sql: &str,
    app: &str,
) -> DbResult<Vec<(K, u64)>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(params![app], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, n) = row?;
        out.push((from_variant_name::<K>(name)?, n as u64));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn record_error(c: &mut Connection, err: &ErrorRecord) -> DbResult<()> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let key = (
        err.app.as_str(),
        err.object.as_str(),
        err.record_key.as_str(),
    );
    let old: Option<String> = tx
        .prepare_cached(
            "SELECT body FROM errors WHERE app = ?1 AND object = ?2 AND record_key = ?3",
        )?
        .query_row(params![key.0, key.1, key.2], |r| r.get(0))
        .optional()?;
    let stored = match old {
        Some(body) => {
            let mut old: ErrorRecord = decode(&body)?;
            old.count += 1;
            old.last_seen = err.last_seen;
            old.error = err.error.clone();
            old.name = err.name.clone();
            old.change = err.change.clone();
            old
        }
        None => ErrorRecord {
            count: 1,
            ..err.clone()
        },
    };
    tx.prepare_cached(
        "INSERT OR REPLACE INTO errors (app, object, record_key, category, last_seen, search, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        key.0,
        key.1,
        key.2,
        variant_name(&stored.error.category())?,
        nanos(stored.last_seen)?,
        search_haystack(&[&stored.name, &stored.record_key]),
        encode(&stored)?
    ])?;
    tx.commit()?;
    Ok(())
}

#[async_trait]
impl ErrorStore for LocalStore {
    async fn record(&self, err: &ErrorRecord) -> StoreResult<()> {
        let err = err.clone();
        self.db.call(move |c| record_error(c, &err)).await
    }

    async fn clear(&self, app: &AppId, object: ObjectKind, record_key: &str) -> StoreResult<()> {
        let (app, key) = (app.to_string(), record_key.to_owned());
        self.db
            .call(move |c| clear_error(c, &app, object, &key))
            .await
    }

    /// One transaction for the whole list (one commit per writer group, not two per record).
    async fn clear_all(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_keys: &[String],
    ) -> StoreResult<()> {
        if record_keys.is_empty() {
            return Ok(());
        }
        let (app, keys) = (app.to_string(), record_keys.to_vec());
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for key in &keys {
                    clear_error(&tx, &app, object, key)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn get(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Option<ErrorRecord>> {
        let (app, key) = (app.to_string(), record_key.to_owned());
        self.db
            .call(move |c| {
                let sql =
                    "SELECT body FROM errors WHERE app = ?1 AND object = ?2 AND record_key = ?3";
                let body: Option<String> = c
                    .prepare_cached(sql)?
                    .query_row(params![app, object.as_str(), key], |r| r.get(0))
                    .optional()?;
                body.map(|b| decode(&b)).transpose()
            })
            .await
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ErrorRecord>> {
        let (app, q) = (app.clone(), q.clone());
        self.db
            .call(move |c| {
                Filter::new(&app, &q, true)?.page(
                    c,
                    "errors",
                    "last_seen DESC, object, record_key",
                    &q,
                )
            })
            .await
    }

    async fn count_by_category(&self, app: &AppId) -> StoreResult<Vec<(Category, u64)>> {
        let app = app.to_string();
        let sql = "SELECT category, COUNT(*) FROM errors WHERE app = ?1 GROUP BY category";
        self.db.call(move |c| counts(c, sql, &app)).await
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        let app = app.to_string();
        let sql = "SELECT object, COUNT(*) FROM errors WHERE app = ?1 GROUP BY object";
        self.db.call(move |c| counts(c, sql, &app)).await
    }

    async fn seen_since(
        &self,
        app: &AppId,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<ErrorRecord>> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT body FROM errors WHERE app = ?1 AND last_seen > ?2
                     ORDER BY last_seen DESC, object, record_key",
                )?;
                let rows =
                    stmt.query_map(params![app, nanos(since)?], |r| r.get::<_, String>(0))?;
                rows.map(|b| decode(&b?)).collect()
            })
            .await
    }
}

fn record_synced(c: &Connection, rec: &SyncedRecord) -> DbResult<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO synced (app, object, record_key, synced_at, search, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        rec.app.as_str(),
        rec.object.as_str(),
        rec.record_key,
        nanos(rec.synced_at)?,
        search_haystack(&[&rec.name, &rec.record_key]),
        encode(rec)?
    ])?;
    Ok(())
}

fn clear_error(c: &Connection, app: &str, object: ObjectKind, key: &str) -> DbResult<()> {
    let sql = "DELETE FROM errors WHERE app = ?1 AND object = ?2 AND record_key = ?3";
    c.prepare_cached(sql)?
        .execute(params![app, object.as_str(), key])?;
    Ok(())
}

#[async_trait]
impl SyncLog for LocalStore {
    async fn record(&self, rec: &SyncedRecord) -> StoreResult<()> {
        let rec = rec.clone();
        self.db.call(move |c| record_synced(c, &rec)).await
    }

    /// One transaction for the whole list (one commit per writer group, not per record).
    async fn record_all(&self, recs: &[SyncedRecord]) -> StoreResult<()> {
        if recs.is_empty() {
            return Ok(());
        }
        let recs = recs.to_vec();
        self.db
            .call(move |c| {
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for rec in &recs {
                    record_synced(&tx, rec)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<SyncedRecord>> {
        let (app, q) = (app.clone(), q.clone());
        self.db
            .call(move |c| {
                Filter::new(&app, &q, false)?.page(
                    c,
                    "synced",
                    "synced_at DESC, object, record_key",
                    &q,
                )
            })
            .await
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        let app = app.to_string();
        let sql = "SELECT object, COUNT(*) FROM synced WHERE app = ?1 GROUP BY object";
        self.db.call(move |c| counts(c, sql, &app)).await
    }
}
