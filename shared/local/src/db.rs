//! One SQLite connection behind a mutex, the schema, and the glue between rusqlite and the ports.

use app::ports::{StoreError, StoreResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// How hard a commit is made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: a committed write survives a crash of the process (the
    /// embedded default's failure mode); the last commits may roll back on power loss.
    #[default]
    Process,
    /// `synchronous=FULL`: every commit is fsynced; survives power loss, costs a disk flush.
    PowerLoss,
}

/// Where the blocking SQLite work runs.
///
/// Measured on the 2-core dev machine under load (`examples/throughput.rs`): inline 47–80k
/// binding lookups/s and 5–13k queue send+receive+ack/s one message at a time; the blocking pool
/// 24–37k lookups/s and 4–6k msg/s. Inline is the default; with [`Durability::PowerLoss`] (a
/// millisecond fsync per commit) use the pool so the async workers never wait on the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Execution {
    /// On the calling task, under the connection lock (calls take tens of microseconds).
    #[default]
    Inline,
    /// On tokio's blocking pool (`spawn_blocking`), never stalling the async worker.
    BlockingPool,
}

/// Options of [`crate::LocalStore::open_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub durability: Durability,
    pub execution: Execution,
}

const SCHEMA_VERSION: i64 = 5;
const SCHEMA_V1: &str = include_str!("schema_v1.sql");
const SCHEMA_V2: &str = include_str!("schema_v2.sql");
const SCHEMA_V3: &str = include_str!("schema_v3.sql");
const SCHEMA_V4: &str = include_str!("schema_v4.sql");
const SCHEMA_V5: &str = include_str!("schema_v5.sql");

/// SQLite's page cache per connection, in KiB (the default is 2,000).
const CACHE_KIB: i64 = 16 * 1024;
/// WAL pages written before SQLite copies them into the database (the default is 1,000).
const CHECKPOINT_PAGES: i64 = 4096;

/// Failure inside a database closure: SQL errors and port errors both travel with `?`.
pub(crate) enum DbError {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<StoreError> for DbError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

pub(crate) type DbResult<T> = Result<T, DbError>;

/// Map SQLite failures to what the caller does next.
pub(crate) fn store_error(e: DbError) -> StoreError {
    match e {
        DbError::Store(e) => e,
        DbError::Sql(e) => match e.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(e.to_string()),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Unavailable(e.to_string()),
        },
    }
}

/// True when the statement failed on a UNIQUE/PRIMARY KEY constraint.
pub(crate) fn is_constraint(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

/// The shared connection. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
    execution: Execution,
}

impl Db {
    pub(crate) fn open(path: &Path, options: Options) -> StoreResult<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| store_error(e.into()))?;
        Self::prepare(conn, options, true)
    }

    pub(crate) fn in_memory(options: Options) -> StoreResult<Self> {
        let conn = Connection::open_in_memory().map_err(|e| store_error(e.into()))?;
        Self::prepare(conn, options, false)
    }

    fn prepare(conn: Connection, options: Options, wal: bool) -> StoreResult<Self> {
        configure(&conn, options.durability, wal).map_err(store_error)?;
        migrate(&conn).map_err(store_error)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            execution: options.execution,
        })
    }

    /// Run `f` on the connection, per the chosen [`Execution`].
    pub(crate) async fn call<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> DbResult<R> + Send + 'static,
    {
        match self.execution {
            Execution::Inline => run(&self.conn, f),
            Execution::BlockingPool => {
                let conn = self.conn.clone();
                tokio::task::spawn_blocking(move || run(&conn, f))
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("database task failed: {e}")))?
            }
        }
    }
}

fn run<R>(
    conn: &Mutex<Connection>,
    f: impl FnOnce(&mut Connection) -> DbResult<R>,
) -> StoreResult<R> {
    // A panic inside a closure cannot leave a transaction open (rusqlite rolls back on drop), so
    // a poisoned lock still guards a consistent connection.
    let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut conn).map_err(store_error)
}

fn configure(conn: &Connection, durability: Durability, wal: bool) -> DbResult<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    if wal {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!("WAL mode refused ({mode})")).into());
        }
    }
    let sync = match durability {
        Durability::Process => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.set_prepared_statement_cache_capacity(64);
    // Page cache and WAL size, measured on a 100k JING → Salesforce initialization (the binding,
    // staging and decision indexes outgrow SQLite's 2 MiB default cache from ~20k records on):
    // a 16 MiB cache read 3.1 GB instead of 5.6 GB through the kernel; checkpointing every
    // 4,096 pages instead of 1,000 copies a page rewritten by many commits once (WAL writes
    // 3.6 → 3.4 GB). Both are bounded, so memory stays flat in the record count.
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
    Ok(())
}

/// Create or upgrade the schema; `user_version` says which version a file holds.
fn migrate(conn: &Connection) -> DbResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    match version {
        0 => {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA_V1} {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
            Ok(())
        }
        1 => {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA_V2} {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
            Ok(())
        }
        2 => {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA_V3} {SCHEMA_V4} {SCHEMA_V5} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
            Ok(())
        }
        3 => {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA_V4} {SCHEMA_V5} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
            Ok(())
        }
        4 => {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA_V5} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
            Ok(())
        }
        SCHEMA_VERSION => Ok(()),
        newer => Err(StoreError::Corrupt(format!(
            "database schema version {newer} is newer than this program's {SCHEMA_VERSION}; upgrade the program"
        ))
        .into()),
    }
}

/// Instants are stored as Unix nanoseconds (exact, and ordered like the instants).
pub(crate) fn nanos(t: OffsetDateTime) -> DbResult<i64> {
    i64::try_from(t.unix_timestamp_nanos())
        .map_err(|_| StoreError::Corrupt(format!("instant {t} is outside 1677..2262")).into())
}

pub(crate) fn to_i64(n: u64) -> DbResult<i64> {
    i64::try_from(n)
        .map_err(|_| StoreError::Corrupt(format!("{n} does not fit SQLite's INTEGER")).into())
}

/// Encode a stored record as JSON.
pub(crate) fn encode<T: serde::Serialize>(v: &T) -> DbResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")).into())
}

/// Decode a stored record; a failure means the row is corrupt or from an unknown schema.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(json: &str) -> DbResult<T> {
    serde_json::from_str(json).map_err(undecodable)
}

/// [`decode`] of JSON held as bytes (an unpacked body).
pub(crate) fn decode_bytes<T: serde::de::DeserializeOwned>(json: &[u8]) -> DbResult<T> {
    serde_json::from_slice(json).map_err(undecodable)
}

fn undecodable(e: serde_json::Error) -> DbError {
    let why = domain::redact::json_error(&e);
    StoreError::Corrupt(format!("stored row does not decode: {why}")).into()
}

/// The serde name of a unit enum variant (`Category::ApiPermission` → `api_permission`).
pub(crate) fn variant_name<T: serde::Serialize>(v: &T) -> DbResult<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Corrupt("not a unit variant".into()).into()),
    }
}

pub(crate) fn from_variant_name<T: serde::de::DeserializeOwned>(name: String) -> DbResult<T> {
    serde_json::from_value(serde_json::Value::String(name))
        .map_err(|e| StoreError::Corrupt(format!("unknown stored name: {e}")).into())
}
