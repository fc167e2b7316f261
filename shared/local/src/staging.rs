//! [`StagingStore`] on SQLite: one row per origin record (a UNIQUE index), rows found by job in
//! staging order through an index on `(app, object, job, seq)`; a batch of rows is staged in
//! one transaction.

use crate::LocalStore;
use crate::db::{DbResult, to_i64};
use crate::packed::{Stored, pack};
use app::ports::{Staged, StagedCreate, StagedRow, StagedUpload, StagingStore, StoreResult};
use async_trait::async_trait;
use domain::{AppId, ObjectKind};
use rusqlite::{Connection, OptionalExtension, params};

/// A staged create as its statement needs it: the row's key and its packed body.
struct Row {
    app: String,
    object: ObjectKind,
    record: String,
    body: Vec<u8>,
}

fn stage(c: &mut Connection, rows: &[Row]) -> DbResult<Vec<Staged>> {
    let tx = c.transaction()?;
    let mut out = Vec::with_capacity(rows.len());
    {
        let mut find = tx.prepare_cached(
            "SELECT seq, job IS NOT NULL FROM staged WHERE app = ?1 AND object = ?2 AND record = ?3",
        )?;
        let mut drop_row = tx.prepare_cached("DELETE FROM staged WHERE seq = ?1")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO staged (app, object, record, job, body) VALUES (?1, ?2, ?3, NULL, ?4)",
        )?;
        for row in rows {
            let key = (row.app.as_str(), row.object.as_str(), row.record.as_str());
            let found: Option<(i64, bool)> = find
                .query_row(params![key.0, key.1, key.2], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match found {
                Some((_, true)) => out.push(Staged::InJob),
                found => {
                    if let Some((seq, _)) = found {
                        drop_row.execute(params![seq])?;
                    }
                    insert.execute(params![key.0, key.1, key.2, row.body])?;
                    out.push(Staged::Kept);
                }
            }
        }
    }
    tx.commit()?;
    Ok(out)
}

fn lookup(
    c: &Connection,
    app: &str,
    object: &str,
    records: &[String],
) -> DbResult<Vec<Option<StagedRow>>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, job, body FROM staged WHERE app = ?1 AND object = ?2 AND record = ?3",
    )?;
    records
        .iter()
        .map(|k| {
            let found = stmt
                .query_row(params![app, object, k], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Stored>(2)?,
                    ))
                })
                .optional()?;
            found
                .map(|(seq, job, body)| {
                    Ok(StagedRow {
                        seq: seq as u64,
                        job,
                        create: body.decode()?,
                    })
                })
                .transpose()
        })
        .collect()
}

fn rows(
    c: &Connection,
    key: (&str, &str),
    job: Option<&str>,
    after: i64,
    limit: i64,
) -> DbResult<Vec<StagedRow>> {
    // `job IS ?3` matches NULL to NULL: waiting rows and one job's rows use the same index.
    let mut stmt = c.prepare_cached(
        "SELECT seq, job, body FROM staged WHERE app = ?1 AND object = ?2 AND job IS ?3 AND seq > ?4
         ORDER BY seq LIMIT ?5",
    )?;
    let found = stmt.query_map(params![key.0, key.1, job, after, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Stored>(2)?,
        ))
    })?;
    found
        .map(|row| {
            let (seq, job, body) = row?;
            Ok(StagedRow {
                seq: seq as u64,
                job,
                create: body.decode()?,
            })
        })
        .collect()
}

/// What a job's upload reads of a staged row's body: the values, not the change, the synced
/// values or the views (two thirds of the decoding the upload would otherwise do).
#[derive(serde::Deserialize)]
struct UploadBody {
    fields: app::ports::Fields,
}

/// One row per place in `seqs` that has one, in that order: the column `sql` selects first
/// (parameters: seq, app, object) and the body, made into `T` by `make`.
fn at_seqs<C: rusqlite::types::FromSql, T>(
    c: &Connection,
    sql: &str,
    key: (&str, &str),
    seqs: &[u64],
    make: impl Fn(u64, C, Stored) -> DbResult<T>,
) -> DbResult<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut out = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let found = stmt
            .query_row(params![to_i64(seq)?, key.0, key.1], |r| {
                Ok((r.get::<_, C>(0)?, r.get::<_, Stored>(1)?))
            })
            .optional()?;
        if let Some((column, body)) = found {
            out.push(make(seq, column, body)?);
        }
    }
    Ok(out)
}

fn uploads_at(c: &Connection, key: (&str, &str), seqs: &[u64]) -> DbResult<Vec<StagedUpload>> {
    let sql = "SELECT record, body FROM staged WHERE seq = ?1 AND app = ?2 AND object = ?3";
    at_seqs(c, sql, key, seqs, |seq, record, body: Stored| {
        let UploadBody { fields } = body.decode()?;
        Ok(StagedUpload {
            seq,
            record,
            fields,
        })
    })
}

fn rows_at(c: &Connection, key: (&str, &str), seqs: &[u64]) -> DbResult<Vec<StagedRow>> {
    let sql = "SELECT job, body FROM staged WHERE seq = ?1 AND app = ?2 AND object = ?3";
    at_seqs(c, sql, key, seqs, |seq, job, body: Stored| {
        Ok(StagedRow {
            seq,
            job,
            create: body.decode()?,
        })
    })
}

/// A job's places sorted by record id: read in staging order through `staged_by_job` (the
/// job's rows lie together), sorted here — about 50 bytes a row, 10 MB for a full job.
fn job_order(c: &Connection, key: (&str, &str), job: &str) -> DbResult<Vec<u64>> {
    let mut stmt = c.prepare_cached(
        "SELECT record, seq FROM staged WHERE app = ?1 AND object = ?2 AND job = ?3 ORDER BY seq",
    )?;
    let mut rows = stmt
        .query_map(params![key.0, key.1, job], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_unstable();
    Ok(rows.into_iter().map(|(_, seq)| seq as u64).collect())
}

/// Whether `n` rows wait, from two index seeks when it cannot be so: waiting rows have
/// distinct seqs, so fewer than `n` fit between the lowest and the highest. Counting instead
/// (as `waiting` does) walked every waiting row after each read step — up to a job's 200,000.
fn waiting_at_least(c: &Connection, key: (&str, &str), n: i64) -> DbResult<bool> {
    let (Some(low), Some(high)) = (waiting_end(c, key, "MIN")?, waiting_end(c, key, "MAX")?) else {
        return Ok(n <= 0);
    };
    if high - low + 1 < n {
        return Ok(false);
    }
    let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM staged WHERE app = ?1 AND object = ?2
               AND job IS NULL LIMIT ?3)";
    let found: i64 = c
        .prepare_cached(sql)?
        .query_row(params![key.0, key.1, n], |r| r.get(0))?;
    Ok(found >= n)
}

/// The lowest (`MIN`) or highest (`MAX`) place of a waiting row: one seek at an end of the
/// waiting rows in `staged_by_job`.
fn waiting_end(c: &Connection, key: (&str, &str), end: &str) -> DbResult<Option<i64>> {
    let sql =
        format!("SELECT {end}(seq) FROM staged WHERE app = ?1 AND object = ?2 AND job IS NULL");
    Ok(c.prepare_cached(&sql)?
        .query_row(params![key.0, key.1], |r| r.get(0))?)
}

impl LocalStore {
    /// Run `sql` (parameters: app, object, seq) once per row at `seqs`, in one transaction.
    async fn each_row(
        &self,
        sql: &'static str,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<()> {
        let (app, seqs) = (app.to_string(), seqs.to_vec());
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut stmt = tx.prepare_cached(sql)?;
                    for seq in &seqs {
                        stmt.execute(params![app, object.as_str(), to_i64(*seq)?])?;
                    }
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl StagingStore for LocalStore {
    async fn stage(&self, rows: &[StagedCreate]) -> StoreResult<Vec<Staged>> {
        let rows = rows
            .iter()
            .map(|r| {
                Ok(Row {
                    app: r.app.to_string(),
                    object: r.object,
                    record: r.record_key().to_owned(),
                    body: pack(r)?,
                })
            })
            .collect::<DbResult<Vec<_>>>()
            .map_err(crate::db::store_error)?;
        self.db.call(move |c| stage(c, &rows)).await
    }

    async fn lookup(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[String],
    ) -> StoreResult<Vec<Option<StagedRow>>> {
        let (app, records) = (app.to_string(), records.to_vec());
        self.db
            .call(move |c| lookup(c, &app, object.as_str(), &records))
            .await
    }

    async fn waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql =
                    "SELECT COUNT(*) FROM staged WHERE app = ?1 AND object = ?2 AND job IS NULL";
                let n: i64 = c
                    .prepare_cached(sql)?
                    .query_row(params![app, object.as_str()], |r| r.get(0))?;
                Ok(n as u64)
            })
            .await
    }

    async fn newest_waiting(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let newest = waiting_end(c, (&app, object.as_str()), "MAX")?;
                Ok(newest.map_or(0, |n| n as u64))
            })
            .await
    }

    async fn waiting_at_least(&self, app: &AppId, object: ObjectKind, n: u64) -> StoreResult<bool> {
        let app = app.to_string();
        self.db
            .call(move |c| waiting_at_least(c, (&app, object.as_str()), to_i64(n)?))
            .await
    }

    async fn job_order(&self, app: &AppId, object: ObjectKind, job: &str) -> StoreResult<Vec<u64>> {
        let (app, job) = (app.to_string(), job.to_owned());
        self.db
            .call(move |c| job_order(c, (&app, object.as_str()), &job))
            .await
    }

    async fn rows_at(
        &self,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<Vec<StagedRow>> {
        let (app, seqs) = (app.to_string(), seqs.to_vec());
        self.db
            .call(move |c| rows_at(c, (&app, object.as_str()), &seqs))
            .await
    }

    async fn uploads_at(
        &self,
        app: &AppId,
        object: ObjectKind,
        seqs: &[u64],
    ) -> StoreResult<Vec<StagedUpload>> {
        let (app, seqs) = (app.to_string(), seqs.to_vec());
        self.db
            .call(move |c| uploads_at(c, (&app, object.as_str()), &seqs))
            .await
    }

    async fn release(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()> {
        let sql = "UPDATE staged SET job = NULL WHERE app = ?1 AND object = ?2 AND seq = ?3";
        self.each_row(sql, app, object, seqs).await
    }

    async fn assign(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: &str,
        max: usize,
    ) -> StoreResult<u64> {
        let (app, job) = (app.to_string(), job.to_owned());
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.db
            .call(move |c| {
                let sql = "UPDATE staged SET job = ?3 WHERE seq IN (
                     SELECT seq FROM staged WHERE app = ?1 AND object = ?2 AND job IS NULL
                     ORDER BY seq LIMIT ?4)";
                let n = c
                    .prepare_cached(sql)?
                    .execute(params![app, object.as_str(), job, max])?;
                Ok(n as u64)
            })
            .await
    }

    async fn reassign(
        &self,
        app: &AppId,
        object: ObjectKind,
        from: &str,
        to: Option<&str>,
        after: u64,
    ) -> StoreResult<()> {
        let (app, from, to) = (app.to_string(), from.to_owned(), to.map(str::to_owned));
        self.db
            .call(move |c| {
                let sql = "UPDATE staged SET job = ?4 WHERE app = ?1 AND object = ?2 AND job = ?3 AND seq > ?5";
                c.prepare_cached(sql)?
                    .execute(params![app, object.as_str(), from, to, to_i64(after)?])?;
                Ok(())
            })
            .await
    }

    async fn rows(
        &self,
        app: &AppId,
        object: ObjectKind,
        job: Option<&str>,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<StagedRow>> {
        let (app, job) = (app.to_string(), job.map(str::to_owned));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .call(move |c| {
                let after = to_i64(after)?;
                rows(c, (&app, object.as_str()), job.as_deref(), after, limit)
            })
            .await
    }

    async fn jobs(&self, app: &AppId, object: ObjectKind) -> StoreResult<Vec<String>> {
        let app = app.to_string();
        self.db
            .call(move |c| {
                let sql = "SELECT DISTINCT job FROM staged WHERE app = ?1 AND object = ?2 AND job IS NOT NULL
                           ORDER BY job";
                let mut stmt = c.prepare_cached(sql)?;
                let jobs = stmt.query_map(params![app, object.as_str()], |r| r.get(0))?;
                Ok(jobs.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn remove(&self, app: &AppId, object: ObjectKind, seqs: &[u64]) -> StoreResult<()> {
        let sql = "DELETE FROM staged WHERE app = ?1 AND object = ?2 AND seq = ?3";
        self.each_row(sql, app, object, seqs).await
    }

    /// One statement: the job's rows lie together in staging order (`staged_by_job`).
    async fn remove_job(&self, app: &AppId, object: ObjectKind, job: &str) -> StoreResult<u64> {
        let (app, job) = (app.to_string(), job.to_owned());
        self.db
            .call(move |c| {
                let sql = "DELETE FROM staged WHERE app = ?1 AND object = ?2 AND job = ?3";
                let n = c
                    .prepare_cached(sql)?
                    .execute(params![app, object.as_str(), job])?;
                Ok(n as u64)
            })
            .await
    }

    async fn purge(&self, app: &AppId) -> StoreResult<u64> {
        let app = app.to_string();
        self.db
            .call(move |c| Ok(c.execute("DELETE FROM staged WHERE app = ?1", params![app])? as u64))
            .await
    }
}
