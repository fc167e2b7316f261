//! Initialization over JING on the fakes: one step reads pages until a chunk's worth is
//! queued; records changed after the initialization started (among them what it created in
//! JING itself) and our own writes are not read back as history.

use app::fake_remote::{FakeJing, FakeSalesforce};
use app::fakes::{Fakes, FixedClock};
use app::init::{self, InitDeps};
use app::ports::*;
use app::settings::{AppSettings, Environment, InitState};
use domain::{AppId, RecordRef, Value};
use jingsf_app as app;
use time::Duration;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

fn lead(i: usize) -> Fields {
    [
        ("name".to_string(), Value::text(format!("线索{i}"))),
        ("mobile".to_string(), Value::text(format!("137{i:08}"))),
    ]
    .into()
}

/// Every queued JING record id.
async fn queued(f: &Fakes) -> Vec<String> {
    let got = f
        .queue
        .receive(100_000, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    got.into_iter()
        .map(|d| match d.change.record {
            RecordRef::Jing(id) => id.to_string(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn history_stops_at_the_start_and_skips_our_own_writes_in_few_steps() {
    let f = Fakes::new();
    let s = AppSettings {
        revision: 1,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    f.settings.put(&s).await.unwrap();
    let (sf, jing) = (FakeSalesforce::new(), FakeJing::new());
    jing.set_now(FixedClock::DEFAULT_START - Duration::days(3));
    let history: Vec<String> = (0..2_450)
        .map(|i| jing.insert("lead", lead(i)).to_string())
        .collect();
    // A record we wrote (an echo), also before the start.
    JingPort::create(&jing, "lead", &[lead(90_000)])
        .await
        .unwrap();
    let deps = InitDeps {
        sf: &sf,
        jing: &jing,
        queue: &f.queue,
        cursors: &f.cursors,
        settings: &f.settings,
        clock: &f.clock,
        writer: None,
    };
    let window = FixedClock::DEFAULT_START - Duration::days(365);
    init::start(&deps, &app_id(), window, false).await.unwrap();
    // While it runs, people and the connector keep changing JING: the live paths' business.
    jing.set_now(FixedClock::DEFAULT_START + Duration::minutes(5));
    for i in 0..300 {
        jing.insert("lead", lead(100_000 + i));
    }
    let mut steps = 0;
    let state = loop {
        steps += 1;
        let state = init::step(&deps, &app_id()).await.unwrap();
        if matches!(state, InitState::Done { .. }) || steps > 50 {
            break state;
        }
    };
    assert_eq!(state, InitState::Done { records: 2_450 });
    let mut ids = queued(&f).await;
    ids.sort();
    let mut want = history.clone();
    want.sort();
    assert_eq!(ids, want, "exactly the history, each record once");
    // Accounts (empty) and leads over Salesforce, then JING accounts, then JING leads in two
    // steps of at least a chunk (2,000 records = 20 pages) each.
    assert!(steps <= 6, "{steps} steps");
    // Done, it cannot be turned into "skipped" (that would say no history was pulled).
    let skip = init::start(&deps, &app_id(), window, true).await;
    assert!(
        matches!(skip, Err(init::InitError::AlreadyDone)),
        "{skip:?}"
    );
    let kept = f.settings.get(&app_id()).await.unwrap().unwrap().init;
    assert_eq!(kept, InitState::Done { records: 2_450 });
}
