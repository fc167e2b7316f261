//! Every contract suite against the SQLite adapters, plus crash-safety and SQLite-only checks.

use app::contract;
use app::fakes::FixedClock;
use app::ports::*;
use jingsf_local as local;
use local::{Execution, LocalMailer, LocalStore, Options};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A database file under the temp dir, unique per process and test, removed on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("jingsf-local-{}-{n}-{tag}.sqlite", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        Self(path)
    }
    fn open(&self) -> LocalStore {
        LocalStore::open(&self.0).expect("open the test database")
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

#[tokio::test]
async fn sqlite_binding_store_passes_the_contract() {
    let db = TempDb::new("bindings");
    contract::binding_store(&db.open()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_binding_store_on_the_blocking_pool_passes_the_contract() {
    // Racing inserts really run in parallel here, each on its own blocking thread.
    let db = TempDb::new("bindings-pool");
    let options = Options {
        execution: Execution::BlockingPool,
        ..Options::default()
    };
    contract::binding_store(&LocalStore::open_with(&db.0, options).unwrap()).await;
}

#[tokio::test]
async fn sqlite_error_store_passes_the_contract() {
    let db = TempDb::new("errors");
    contract::error_store(&db.open()).await;
}

#[tokio::test]
async fn sqlite_sync_log_passes_the_contract() {
    let db = TempDb::new("synclog");
    contract::sync_log(&db.open()).await;
}

#[tokio::test]
async fn sqlite_decision_log_passes_the_contract() {
    let db = TempDb::new("decisions");
    contract::decision_log(&db.open()).await;
}

#[tokio::test]
async fn sqlite_cursor_store_passes_the_contract() {
    let db = TempDb::new("cursors");
    contract::cursor_store(&db.open()).await;
}

#[tokio::test]
async fn sqlite_idempotency_store_passes_the_contract() {
    let db = TempDb::new("idem");
    contract::idempotency_store(&db.open()).await;
}

#[tokio::test]
async fn sqlite_record_claims_pass_the_contract() {
    let db = TempDb::new("claims");
    contract::record_claims(&db.open()).await;
}

#[tokio::test]
async fn sqlite_ledger_passes_the_contract() {
    let db = TempDb::new("ledger");
    contract::ledger(&db.open()).await;
}

#[tokio::test]
async fn sqlite_quota_store_passes_the_contract() {
    let db = TempDb::new("quota");
    contract::quota_store(&db.open()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_quota_store_holds_under_spawned_concurrency_on_the_blocking_pool() {
    let db = TempDb::new("quota-race");
    let options = Options {
        execution: Execution::BlockingPool,
        ..Options::default()
    };
    let store = LocalStore::open_with(&db.0, options).unwrap();
    contract::quota_store_spawned(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_quota_store_holds_across_two_connections() {
    // Two stores on one file = two connections: only BEGIN IMMEDIATE keeps them from both
    // reading "19 used" and both granting the 20th call.
    let db = TempDb::new("quota-two");
    let (one, two) = (Arc::new(db.open()), Arc::new(db.open()));
    let app = contract::app("quota-two");
    let day = time::macros::date!(2024 - 05 - 01);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store: Arc<LocalStore> = if i % 2 == 0 { one.clone() } else { two.clone() };
            let app = app.clone();
            tokio::task::spawn_blocking(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                rt.block_on(async { store.reserve(&app, day, 1, 20).await.unwrap() })
            })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        granted += matches!(t.await.unwrap(), Reservation::Granted { .. }) as u32;
    }
    assert_eq!(granted, 20);
    assert_eq!(one.used(&app, day).await.unwrap(), 20);
}

#[tokio::test]
async fn sqlite_parked_store_passes_the_contract() {
    let db = TempDb::new("parked");
    contract::parked_store(&db.open()).await;
}

#[tokio::test]
async fn sqlite_settings_store_passes_the_contract() {
    let db = TempDb::new("settings");
    contract::settings_store(&db.open()).await;
}

#[tokio::test]
async fn sqlite_token_vault_passes_the_contract() {
    let db = TempDb::new("vault");
    contract::token_vault(&db.open()).await;
}

#[tokio::test]
async fn sqlite_queue_passes_the_contract() {
    let db = TempDb::new("queue");
    let clock = FixedClock::default();
    let queue = db.open().queue(Arc::new(clock.clone()), 4);
    contract::change_queue(&queue, &clock, 4).await;
}

#[tokio::test]
async fn sqlite_queue_on_the_wall_clock_and_blocking_pool_passes_the_contract() {
    let db = TempDb::new("queue-wall");
    let options = Options {
        execution: Execution::BlockingPool,
        ..Options::default()
    };
    let store = LocalStore::open_with(&db.0, options).unwrap();
    let queue = store.queue(Arc::new(SystemClock), 3);
    let time = contract::WallClock {
        visibility: Duration::from_secs(2),
    };
    contract::change_queue(&queue, &time, 3).await;
}

#[tokio::test]
async fn in_memory_store_passes_the_binding_and_queue_contracts() {
    let store = LocalStore::in_memory().unwrap();
    contract::binding_store(&store).await;
    let clock = FixedClock::default();
    contract::change_queue(&store.queue(Arc::new(clock.clone()), 3), &clock, 3).await;
}

#[tokio::test]
async fn local_mailer_passes_the_contract() {
    let dir = TempDb::new("mail");
    let mailer = LocalMailer::new(&dir.0, "jingsf@localhost").unwrap();
    contract::mailer(&mailer, &mailer).await;
    let files = std::fs::read_dir(&dir.0).unwrap().count();
    assert_eq!(files, 2, "one .eml file per mail");
    std::fs::remove_dir_all(&dir.0).unwrap();
}

#[tokio::test]
async fn local_mailer_refuses_header_injection() {
    let dir = TempDb::new("mail-bad");
    let mailer = LocalMailer::new(&dir.0, "jingsf@localhost").unwrap();
    let mail = Mail {
        to: "a@b.cn\r\nBcc: x@y.z".into(),
        subject: "s".into(),
        text: String::new(),
        html: String::new(),
    };
    assert!(matches!(
        mailer.send(&mail).await,
        Err(MailError::Rejected(_))
    ));
    assert!(mailer.read_all().unwrap().is_empty());
    std::fs::remove_dir_all(&dir.0).unwrap();
}

#[tokio::test]
async fn sqlite_app_data_passes_the_contract() {
    let db = TempDb::new("app-data");
    let store = db.open();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::default());
    let queue = Arc::new(store.queue(clock.clone(), 5));
    let ports = store.ports(
        queue,
        Arc::new(app::fakes::MemMailer::default()),
        clock,
        Arc::new(local::LocalInitRuns::default()),
    );
    contract::app_data(&ports, true).await;
}

#[tokio::test]
async fn sqlite_parked_requeue_loses_nothing() {
    let db = TempDb::new("parked-requeue");
    contract::parked_requeue_loses_nothing(Arc::new(db.open())).await;
}

#[tokio::test]
async fn sqlite_staging_store_passes_the_contract() {
    let db = TempDb::new("staging");
    contract::staging_store(&db.open()).await;
}
