//! The writer on the embedded SQLite store (the same scenarios as on the fakes, where the store
//! matters), including crash safety: a process killed between "written to Salesforce" and
//! "binding stored" must bind on the retry after restart, not create a duplicate.

use app::fake_remote::{FakeJing, FakeSalesforce};
use app::ports::*;
use app::settings::{AppSettings, Environment};
use app::write::{Deps, Outcome, apply};
use domain::{
    Actor, AppId, Change, FieldChange, JingId, Lane, ObjectKind, Operation, RecordRef, SfId, Value,
};
use jingsf_local::LocalStore;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use time::macros::datetime;

fn db_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("jingsf-writer-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

fn lead(id: &str, minute: i64, fields: &[(&str, &str)]) -> Change {
    Change {
        v: 1,
        app: app_id(),
        object: ObjectKind::Lead,
        record: RecordRef::Jing(JingId::parse(id).unwrap()),
        op: Operation::Upsert,
        source_time: datetime!(2024-05-01 10:00 UTC) + time::Duration::minutes(minute),
        actor: Actor::Human(None),
        lane: Lane::Live,
        fields: fields
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    FieldChange {
                        before: None,
                        after: Value::text(*v),
                    },
                )
            })
            .collect(),
    }
}

fn deps<'a>(
    store: &'a LocalStore,
    bindings: &'a dyn BindingStore,
    sf: &'a FakeSalesforce,
    jing: &'a FakeJing,
    clock: &'a app::fakes::FixedClock,
) -> Deps<'a> {
    Deps {
        bindings,
        errors: store,
        synced: store,
        ledger: store,
        decisions: store,
        quota: store,
        parked: store,
        claims: store,
        settings: store,
        sf,
        jing,
        clock,
        staging: None,
    }
}

const ZHANG: &[(&str, &str)] = &[
    ("name", "张三"),
    ("company_id", "径硕"),
    ("email", "zhang@example.cn"),
];

#[tokio::test]
async fn create_bind_echo_and_update_on_sqlite() {
    let path = db_path("basic");
    let store = LocalStore::open(&path).unwrap();
    let (sf, jing, clock) = (
        FakeSalesforce::new(),
        FakeJing::new(),
        app::fakes::FixedClock::default(),
    );
    let settings = AppSettings::new(app_id(), "Acme", Environment::Production, "j", "59");
    let d = deps(&store, &store, &sf, &jing, &clock);
    assert_eq!(
        apply(&d, &settings, vec![lead("L1", 1, ZHANG)])
            .await
            .outcomes,
        vec![Outcome::Applied]
    );
    let calls = sf.calls_made();
    assert_eq!(
        apply(&d, &settings, vec![lead("L1", 2, ZHANG)])
            .await
            .outcomes,
        vec![Outcome::Skipped],
        "echo"
    );
    assert_eq!(sf.calls_made(), calls);
    let r = apply(&d, &settings, vec![lead("L1", 3, &[("title", "CTO")])]).await;
    assert_eq!(r.counts.updated, 1);
    let b = store
        .by_jing(&app_id(), ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.version, 2);
    assert_eq!(sf.record(&b.sf_id).unwrap()["Title"], Value::text("CTO"));
    drop(store);
    // Everything survives a restart.
    let store = LocalStore::open(&path).unwrap();
    let again = store
        .by_sf(&app_id(), ObjectKind::Lead, &b.sf_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.last_synced["Title"], Value::text("CTO"));
}

/// The binding write is lost, as when the process dies right after Salesforce answered.
struct KilledBeforeBinding<'a> {
    inner: &'a LocalStore,
    kill: AtomicBool,
}

#[async_trait::async_trait]
impl BindingStore for KilledBeforeBinding<'_> {
    async fn by_sf(&self, a: &AppId, o: ObjectKind, id: &SfId) -> StoreResult<Option<Binding>> {
        self.inner.by_sf(a, o, id).await
    }
    async fn by_jing(&self, a: &AppId, o: ObjectKind, id: &JingId) -> StoreResult<Option<Binding>> {
        self.inner.by_jing(a, o, id).await
    }
    async fn put(&self, b: &Binding, expected: Option<u64>) -> StoreResult<()> {
        if self.kill.swap(false, Ordering::SeqCst) {
            return Err(StoreError::Unavailable("process killed".into()));
        }
        BindingStore::put(self.inner, b, expected).await
    }
    async fn remove(&self, a: &AppId, o: ObjectKind, id: &SfId) -> StoreResult<()> {
        BindingStore::remove(self.inner, a, o, id).await
    }
    async fn count(&self, a: &AppId, o: ObjectKind) -> StoreResult<u64> {
        BindingStore::count(self.inner, a, o).await
    }
    async fn list(
        &self,
        a: &AppId,
        o: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        BindingStore::list(self.inner, a, o, after, limit).await
    }
}

#[tokio::test]
async fn a_crash_between_the_salesforce_write_and_the_binding_binds_after_restart() {
    let path = db_path("crash");
    let (sf, jing, clock) = (
        FakeSalesforce::new(),
        FakeJing::new(),
        app::fakes::FixedClock::default(),
    );
    let settings = AppSettings::new(app_id(), "Acme", Environment::Production, "j", "59");
    let change = lead("L1", 1, ZHANG);
    {
        let store = LocalStore::open(&path).unwrap();
        let queue = store.queue(std::sync::Arc::new(clock.clone()), 5);
        queue.send(std::slice::from_ref(&change)).await.unwrap();
        let delivery = queue
            .receive(1, std::time::Duration::from_secs(30))
            .await
            .unwrap()
            .remove(0);
        let killed = KilledBeforeBinding {
            inner: &store,
            kill: AtomicBool::new(true),
        };
        let r = apply(
            &deps(&store, &killed, &sf, &jing, &clock),
            &settings,
            vec![delivery.change],
        )
        .await;
        assert!(
            matches!(r.outcomes[0], Outcome::Retry(_)),
            "{:?}",
            r.outcomes
        );
        assert_eq!(
            sf.count("Lead"),
            1,
            "Salesforce has the lead; we never acked the message"
        );
    } // the process "dies": store dropped, message unacked
    let store = LocalStore::open(&path).unwrap();
    let queue = store.queue(std::sync::Arc::new(clock.clone()), 5);
    clock.advance(std::time::Duration::from_secs(31));
    let redelivered = queue
        .receive(1, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        redelivered.len(),
        1,
        "the unacked change comes back after the restart"
    );
    assert_eq!(redelivered[0].receive_count, 2);
    let r = apply(
        &deps(&store, &store, &sf, &jing, &clock),
        &settings,
        vec![redelivered[0].change.clone()],
    )
    .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(
        r.counts.bound_existing, 1,
        "bound to the lead written before the crash"
    );
    assert_eq!(sf.count("Lead"), 1, "no duplicate");
    assert!(
        store
            .by_jing(&app_id(), ObjectKind::Lead, &JingId::parse("L1").unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

/// Every writer scenario of the fakes, on a fresh SQLite file each.
fn sqlite_stores() -> app::contract::writer::Stores {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let store = LocalStore::open(db_path(&format!("scenario-{n}"))).unwrap();
    app::contract::writer::Stores::from_store(
        std::sync::Arc::new(store),
        app::fakes::FixedClock::default(),
    )
}

mod on_sqlite {
    use super::sqlite_stores;
    app::writer_scenarios!(sqlite_stores);
}
