//! [`Ledger`] on SQLite: conflicts (newest first, filtered and paged like the other listings) and
//! the per-record write journal (oldest first).

use crate::LocalStore;
use crate::db::{decode, encode, nanos};
use crate::records::Filter;
use app::contract::semantics::search_haystack;
use app::ports::*;
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use rusqlite::params;

#[async_trait]
impl Ledger for LocalStore {
    async fn add_conflict(&self, conflict: &ConflictEntry) -> StoreResult<()> {
        let e = conflict.clone();
        self.db
            .call(move |c| {
                c.prepare_cached("INSERT INTO conflicts (app, object, at, search, body) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![
                        e.app.as_str(),
                        e.object.as_str(),
                        nanos(e.at)?,
                        search_haystack(&[&e.record_key, &e.field]),
                        encode(&e)?
                    ])?;
                Ok(())
            })
            .await
    }

    async fn conflicts(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ConflictEntry>> {
        let (app, q) = (app.clone(), q.clone());
        self.db
            .call(move |c| {
                Filter::new(&app, &q, false)?.page(c, "conflicts", "at DESC, seq DESC", &q)
            })
            .await
    }

    /// Reads the object's conflicts of the app and rewrites the matching bodies in one
    /// transaction (settling is rare; the ledger keeps no per-record index).
    async fn settle_conflicts(
        &self,
        app: &AppId,
        key: &ConflictKey<'_>,
        settlement: &Settlement,
    ) -> StoreResult<u64> {
        let (app, settlement) = (app.clone(), settlement.clone());
        let (object, record_key, field) =
            (key.object, key.record_key.to_owned(), key.field.to_owned());
        self.db
            .call(move |c| {
                let key = ConflictKey {
                    object,
                    record_key: &record_key,
                    field: &field,
                };
                let tx = c.transaction()?;
                let mut settled = Vec::new();
                {
                    let mut stmt = tx.prepare_cached(
                        "SELECT seq, body FROM conflicts WHERE app = ?1 AND object = ?2",
                    )?;
                    let rows = stmt.query_map(params![app.as_str(), object.as_str()], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                    })?;
                    for row in rows {
                        let (seq, body) = row?;
                        let mut entry: ConflictEntry = decode(&body)?;
                        if key.open(&entry) {
                            entry.settled = Some(settlement.clone());
                            settled.push((seq, encode(&entry)?));
                        }
                    }
                }
                for (seq, body) in &settled {
                    tx.prepare_cached("UPDATE conflicts SET body = ?1 WHERE seq = ?2")?
                        .execute(params![body, seq])?;
                }
                tx.commit()?;
                Ok(settled.len() as u64)
            })
            .await
    }

    async fn journal(&self, entries: &[JournalEntry]) -> StoreResult<()> {
        let entries = entries.to_vec();
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut stmt = tx.prepare_cached(
                        "INSERT INTO journal (app, object, record_key, at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?;
                    for e in &entries {
                        stmt.execute(params![e.app.as_str(), e.object.as_str(), e.record_key, nanos(e.at)?, encode(e)?])?;
                    }
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn journal_for(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Vec<JournalEntry>> {
        let (app, key) = (app.to_string(), record_key.to_owned());
        self.db
            .call(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT body FROM journal WHERE app = ?1 AND object = ?2 AND record_key = ?3 ORDER BY at, seq",
                )?;
                let rows = stmt.query_map(params![app, object.as_str(), key], |r| r.get::<_, String>(0))?;
                rows.map(|b| decode(&b?)).collect()
            })
            .await
    }
}
