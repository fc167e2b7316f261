//! Crash safety and SQLite-specific behaviour: what was committed survives dropping the store
//! (a crashed process) and reopening the file.

use app::contract::{self, T0};
use app::fakes::FixedClock;
use app::ports::*;
use jingsf_local as local;
use local::LocalStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> Self {
        let name = format!("jingsf-crash-{}-{tag}.sqlite", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        Self(path)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

fn lead(n: u64) -> domain::Change {
    let app = contract::app("crash");
    contract::change(
        &app,
        domain::RecordRef::Jing(contract::jing_id(n)),
        T0,
        &[("name", "李四")],
    )
}

#[tokio::test]
async fn a_sent_message_survives_a_crash_and_is_delivered_again() {
    let db = TempDb::new("queue");
    let clock = FixedClock::default();
    {
        let store = LocalStore::open(&db.0).unwrap();
        let q = store.queue(Arc::new(clock.clone()), 5);
        q.send(&[lead(1), lead(2)]).await.unwrap();
        let got = q.receive(1, Duration::from_secs(30)).await.unwrap();
        assert_eq!(got.len(), 1);
        // dropped here without ack: the process "crashes" mid-work
    }
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(clock.clone()), 5);
    assert_eq!(q.depth().await.unwrap(), 2, "nothing sent was lost");
    let now = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(
        now.len(),
        1,
        "the never-received message is delivered right away"
    );
    assert_eq!(now[0].change, lead(2));
    q.ack(&[now[0].receipt.clone()]).await.unwrap();
    clock.advance(Duration::from_secs(31));
    let again = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(
        again.len(),
        1,
        "the leased message returns after its visibility timeout"
    );
    assert_eq!(
        (again[0].change.clone(), again[0].receive_count),
        (lead(1), 2)
    );
}

#[tokio::test]
async fn a_receipt_from_before_a_crash_acks_nothing() {
    let db = TempDb::new("receipt");
    let clock = FixedClock::default();
    let old_receipt = {
        let store = LocalStore::open(&db.0).unwrap();
        let q = store.queue(Arc::new(clock.clone()), 5);
        q.send(&[lead(1)]).await.unwrap();
        q.receive(1, Duration::ZERO)
            .await
            .unwrap()
            .remove(0)
            .receipt
    };
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(clock.clone()), 5);
    let fresh = q
        .receive(1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);
    q.ack(&[old_receipt]).await.unwrap();
    assert_eq!(
        q.depth().await.unwrap(),
        1,
        "a stale receipt does not delete the redelivered message"
    );
    q.ack(&[fresh.receipt]).await.unwrap();
    assert_eq!(q.depth().await.unwrap(), 0);
    assert!(matches!(
        q.ack(&["garbage".into()]).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn undecodable_rows_become_dead_letters_verbatim() {
    let store = LocalStore::in_memory().unwrap();
    let clock = FixedClock::default();
    let q = store.queue(Arc::new(clock), 5);
    q.send_raw("{\"v\":1,\"oops\"").await.unwrap();
    q.send(&[lead(1)]).await.unwrap();
    let got = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1, "the good message is still delivered");
    let letters = q.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].body, "{\"v\":1,\"oops\"", "raw body kept");
    assert_eq!(letters[0].receive_count, 0);
}

#[tokio::test]
async fn a_binding_survives_reopening_the_file() {
    let db = TempDb::new("binding");
    let app = contract::app("crash");
    let b = contract::binding(
        &app,
        domain::ObjectKind::Lead,
        &contract::sf_id("00Q", 1),
        &contract::jing_id(1),
        1,
    );
    {
        let store = LocalStore::open(&db.0).unwrap();
        BindingStore::put(&store, &b, None).await.unwrap();
    }
    let store = LocalStore::open(&db.0).unwrap();
    assert_eq!(
        store.by_jing(&app, b.object, &b.jing_id).await.unwrap(),
        Some(b.clone())
    );
    let second = contract::binding(&app, b.object, &contract::sf_id("00Q", 2), &b.jing_id, 1);
    assert!(
        matches!(
            BindingStore::put(&store, &second, None).await,
            Err(StoreError::Conflict(_))
        ),
        "unique index survives"
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_error() {
    let db = TempDb::new("schema");
    drop(LocalStore::open(&db.0).unwrap());
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match LocalStore::open(&db.0) {
        Err(StoreError::Corrupt(msg)) => assert!(msg.contains("newer"), "{msg}"),
        Err(other) => panic!("expected Corrupt, got {other:?}"),
        Ok(_) => panic!("expected Corrupt, got a store"),
    }
}

#[tokio::test]
async fn the_file_is_created_private_and_in_wal_mode() {
    let db = TempDb::new("mode");
    let store = LocalStore::open(&db.0).unwrap();
    CursorStore::put(&store, &contract::app("x"), "k", "v")
        .await
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db.0).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database holds secrets: owner-only");
    }
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
}

#[tokio::test]
async fn a_version_3_file_is_upgraded_in_place_keeping_its_rows() {
    let db = TempDb::new("upgrade");
    let store = LocalStore::open(&db.0).unwrap();
    CursorStore::put(&store, &contract::app("x"), "k", "v")
        .await
        .unwrap();
    drop(store);
    // What version 3 of the schema left behind: no staging table.
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    conn.execute_batch("DROP TABLE staged; DROP TABLE decisions; PRAGMA user_version = 3;")
        .unwrap();
    drop(conn);
    let store = LocalStore::open(&db.0).unwrap();
    let kept = CursorStore::get(&store, &contract::app("x"), "k")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("v"));
    let waiting =
        app::ports::StagingStore::waiting(&store, &contract::app("x"), domain::ObjectKind::Lead)
            .await
            .unwrap();
    assert_eq!(waiting, 0, "the staging table exists");
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
}

#[tokio::test]
async fn a_version_4_file_gains_the_decision_log_keeping_its_rows() {
    let db = TempDb::new("upgrade-v4");
    let store = LocalStore::open(&db.0).unwrap();
    CursorStore::put(&store, &contract::app("x"), "k", "v")
        .await
        .unwrap();
    drop(store);
    // What version 4 of the schema left behind: no decision log.
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    conn.execute_batch("DROP TABLE decisions; PRAGMA user_version = 4;")
        .unwrap();
    drop(conn);
    let store = LocalStore::open(&db.0).unwrap();
    let kept = CursorStore::get(&store, &contract::app("x"), "k")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("v"));
    let app = contract::app("x");
    let d = app::contract::decisions::decision(&app, "L1", 10, Verdict::Echo);
    DecisionLog::record(&store, std::slice::from_ref(&d))
        .await
        .unwrap();
    let got = DecisionLog::for_record(
        &store,
        &app,
        domain::ObjectKind::Lead,
        &["L1".to_owned()],
        contract::at(20),
    )
    .await
    .unwrap();
    assert_eq!(got, [d], "the decisions table exists and works");
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
}

#[tokio::test]
async fn expired_idempotency_claims_are_purged_as_claims_go_by() {
    let db = TempDb::new("idem-purge");
    let store = LocalStore::open(&db.0).unwrap();
    let ttl = time::Duration::minutes(10);
    for n in 0..20 {
        assert!(
            store
                .claim(&format!("old-{n}"), T0 + ttl, T0)
                .await
                .unwrap()
        );
    }
    let later = T0 + ttl + time::Duration::seconds(1);
    for n in 0..3 {
        assert!(
            store
                .claim(&format!("new-{n}"), later + ttl, later)
                .await
                .unwrap()
        );
    }
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM idempotency WHERE key LIKE 'old-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Each claim purges up to 8 expired claims: three claims clear all twenty.
    assert_eq!(left, 0, "expired claims are purged");
    assert!(
        !store.claim("new-0", later + ttl, later).await.unwrap(),
        "live claims are kept"
    );
}

/// A restart reclaims what the crashed process had taken: visible at once, and the crash is
/// not counted as a failed delivery; a change that waits out a retry delay keeps its delay.
#[tokio::test]
async fn a_restart_reclaims_what_the_crashed_process_had_taken() {
    let db = TempDb::new("reclaim");
    let clock = FixedClock::default();
    {
        let store = LocalStore::open(&db.0).unwrap();
        let q = store.queue(Arc::new(clock.clone()), 2);
        q.send(&[lead(1), lead(2)]).await.unwrap();
        let got = q.receive(2, Duration::from_secs(120)).await.unwrap();
        assert_eq!(got.len(), 2);
        let waiting = got
            .iter()
            .find(|d| d.change.record == lead(2).record)
            .unwrap();
        q.nack(&waiting.receipt, Duration::from_secs(600))
            .await
            .unwrap();
        // killed here: lead 1 is still in this process's hands
    }
    for restart in 0..3 {
        let store = LocalStore::open(&db.0).unwrap();
        let q = store.queue(Arc::new(clock.clone()), 2);
        assert_eq!(
            q.reclaim().await.unwrap(),
            1,
            "restart {restart}: only the taken one"
        );
        let got = q.receive(10, Duration::from_secs(120)).await.unwrap();
        assert_eq!(got.len(), 1, "visible at once, the waiting one still waits");
        assert_eq!(got[0].change.record, lead(1).record);
        assert_eq!(got[0].receive_count, 1, "the crashes did not count");
        // killed again with it in hand
    }
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(clock.clone()), 2);
    assert!(
        q.dead_letters(10).await.unwrap().is_empty(),
        "no crash dead-lettered it"
    );
    clock.advance(Duration::from_secs(601));
    q.reclaim().await.unwrap();
    assert_eq!(
        q.receive(10, Duration::from_secs(120)).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn a_version_1_file_is_migrated_without_losing_queued_changes() {
    let db = TempDb::new("migrate");
    {
        let store = LocalStore::open(&db.0).unwrap();
        let q = store.queue(Arc::new(FixedClock::default()), 5);
        q.send(&[lead(1)]).await.unwrap();
    }
    // Turn the file back into what version 1 wrote: no first_at columns.
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    conn.execute_batch(
        "ALTER TABLE queue DROP COLUMN first_at; \
         ALTER TABLE dead_letters DROP COLUMN first_at; \
         DROP TABLE claims; \
         DROP TABLE staged; \
         DROP TABLE decisions; \
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(FixedClock::default()), 5);
    let got = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1, "the queued change survived the migration");
    assert_eq!(got[0].change, lead(1));
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
}

/// The dead-letter reason is shown to admins and logged: it says why without the body's values
/// (serde quotes the value it could not decode).
#[tokio::test]
async fn a_dead_letter_reason_quotes_no_value() {
    let db = TempDb::new("reason");
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(FixedClock::default()), 5);
    q.send_raw(r#"{"v":1,"app":"crash","object":"13800138000@acme.example"}"#)
        .await
        .unwrap();
    assert!(
        q.receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    let reason: String = conn
        .query_row("SELECT reason FROM dead_letters", [], |r| r.get(0))
        .unwrap();
    assert!(reason.starts_with("does not decode"), "{reason}");
    assert!(!reason.contains("13800138000"), "{reason}");
    assert!(reason.contains("line 1"), "{reason}");
}

/// A delivery key is claimed in the transaction that queues its change: no state holds the
/// claim without the change (a crash between two steps would lose the change for good, the
/// redelivery being taken for a duplicate).
#[tokio::test]
async fn a_claimed_delivery_key_always_has_its_change_queued() {
    let db = TempDb::new("claimed");
    let clock = FixedClock::default();
    let store = LocalStore::open(&db.0).unwrap();
    let q = store.queue(Arc::new(clock.clone()), 5);
    let keyed = |key: &str, n| KeyedChange {
        key: key.to_owned(),
        expires_at: T0 + time::Duration::hours(48),
        change: lead(n),
    };
    let queued = q
        .send_claimed(&[keyed("ob|a|1", 1), keyed("ob|a|2", 2)], T0)
        .await
        .expect("the SQLite queue claims and sends in one step")
        .unwrap();
    assert_eq!(queued, [true, true]);
    // Again, one new: only the new one is queued, and its key is taken too.
    let queued = q
        .send_claimed(&[keyed("ob|a|2", 2), keyed("ob|a|3", 3)], T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued, [false, true]);
    assert_eq!(q.depth().await.unwrap(), 3);
    let t = T0 + time::Duration::minutes(1);
    for key in ["ob|a|1", "ob|a|2", "ob|a|3"] {
        assert!(!store.claim(key, t, t).await.unwrap(), "{key} is claimed");
    }
    // After the claim expires, a redelivery is queued again.
    let later = T0 + time::Duration::hours(49);
    let queued = q
        .send_claimed(&[keyed("ob|a|1", 1)], later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued, [true]);
    assert_eq!(q.depth().await.unwrap(), 4);
}
