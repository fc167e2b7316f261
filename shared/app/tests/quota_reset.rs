//! The daily reset, usage and forecast, allocation and resume, on the fakes with a fixed clock.

use domain::quota::OrgUsage;
use domain::{
    AppId, Change, Direction, ErrorCode, JingId, Lane, ObjectKind, Operation, RecordRef, SfId,
    SyncError, Value,
};
use jingsf_app::contract::failing::FailingQueue;
use jingsf_app::fakes::{Fakes, MemQueue};
use jingsf_app::ports::*;
use jingsf_app::quota_reset::*;
use jingsf_app::settings::{AppSettings, Environment, Pause};
use std::collections::HashSet;
use std::time::Duration;
use time::macros::{date, datetime};

fn app() -> AppId {
    AppId::parse("acme").unwrap()
}

fn settings() -> AppSettings {
    let mut s = AppSettings::new(app(), "Acme", Environment::Production, "jing-app", "t1");
    s.revision = 1;
    s
}

fn deps<'a>(f: &'a Fakes, queue: &'a dyn ChangeQueue) -> QuotaDeps<'a> {
    QuotaDeps {
        quota: &f.quota,
        parked: &f.parked,
        queue,
        settings: &f.settings,
        cursors: &f.cursors,
    }
}

fn change(n: u32, op: Operation, lane: Lane, minute: u8, name: &str) -> Change {
    let mut c = Change::upsert(
        app(),
        ObjectKind::Lead,
        RecordRef::Jing(JingId::parse(&format!("lead{n}")).unwrap()),
        datetime!(2024-05-01 09:00 UTC) + Duration::from_secs(60 * u64::from(minute)),
        [("name".to_owned(), Value::text(name))],
    );
    c.op = op;
    c.lane = lane;
    c
}

async fn drain(q: &MemQueue) -> Vec<Change> {
    let mut out = Vec::new();
    loop {
        let got = q.receive(50, Duration::from_secs(60)).await.unwrap();
        if got.is_empty() {
            return out;
        }
        let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
        out.extend(got.into_iter().map(|d| d.change));
        q.ack(&receipts).await.unwrap();
    }
}

/// 230 backfill changes, one live upsert parked three times, one live delete.
async fn park_mixed(f: &Fakes) {
    for n in 0..230 {
        f.parked
            .park(&change(
                1000 + n,
                Operation::Upsert,
                Lane::Backfill,
                0,
                "bf",
            ))
            .await
            .unwrap();
    }
    for (minute, name) in [(1, "v1"), (2, "v2"), (3, "v3")] {
        f.parked
            .park(&change(1, Operation::Upsert, Lane::Live, minute, name))
            .await
            .unwrap();
    }
    f.parked
        .park(&change(2, Operation::Delete, Lane::Live, 4, "gone"))
        .await
        .unwrap();
}

#[tokio::test]
async fn reset_requeues_every_parked_change_once_in_priority_order() {
    let f = Fakes::new();
    park_mixed(&f).await;
    assert_eq!(f.parked.count(&app()).await.unwrap(), 232);

    let report = reset(&deps(&f, &f.queue), &settings()).await.unwrap();
    assert_eq!(report.requeued, 232);
    assert_eq!(report.chunks, 3, "chunks of {REQUEUE_CHUNK}");
    assert_eq!(report.still_parked, 0);

    let queued = drain(&f.queue).await;
    assert_eq!(queued.len(), 232);
    let keys: HashSet<&str> = queued.iter().map(|c| c.record.as_str()).collect();
    assert_eq!(keys.len(), 232, "each record exactly once");
    assert_eq!(queued[0].op, Operation::Delete);
    assert_eq!(queued[1].record.as_str(), "lead1");
    assert_eq!(
        queued[1].fields["name"].after,
        Value::text("v3"),
        "latest values"
    );
    assert!(queued[2..].iter().all(|c| c.lane == Lane::Backfill));
    // Nothing left to re-queue: a second reset moves nothing.
    let again = reset(&deps(&f, &f.queue), &settings()).await.unwrap();
    assert_eq!(again.requeued, 0);
}

#[tokio::test]
async fn a_queue_failure_parks_the_chunk_back_and_the_next_reset_finishes() {
    let f = Fakes::new();
    park_mixed(&f).await;
    let flaky = FailingQueue::on(MemQueue::new(std::sync::Arc::new(f.clock.clone()), 5));
    flaky.fail_send_number(2);
    let err = reset(&deps(&f, &flaky), &settings()).await.unwrap_err();
    assert!(
        matches!(err, QuotaError::RequeueFailed { requeued: 100, .. }),
        "{err:?}"
    );
    assert_eq!(f.parked.count(&app()).await.unwrap(), 132, "nothing lost");

    let report = reset(&deps(&f, &flaky), &settings()).await.unwrap();
    assert_eq!(report.requeued, 132);
    let queued = drain(flaky.inner()).await;
    let keys: HashSet<&str> = queued.iter().map(|c| c.record.as_str()).collect();
    assert_eq!((queued.len(), keys.len()), (232, 232));
}

#[tokio::test]
async fn usage_reports_percent_and_forecast_on_the_china_quota_day() {
    let f = Fakes::new();
    // 06:00 on May 2 in Shanghai: 6 hours into the quota day.
    let now = datetime!(2024-05-01 22:00 UTC);
    f.quota
        .reserve(&app(), date!(2024 - 05 - 02), 5_000, 15_000)
        .await
        .unwrap();
    f.quota
        .reserve(&app(), date!(2024 - 05 - 01), 9_999, 15_000)
        .await
        .unwrap();
    f.parked
        .park(&change(1, Operation::Upsert, Lane::Live, 0, "x"))
        .await
        .unwrap();
    let d = deps(&f, &f.queue);

    let u = usage_today(&d, &settings(), now).await.unwrap();
    assert_eq!(u.day, date!(2024 - 05 - 02));
    assert_eq!((u.used, u.allocated, u.parked), (5_000, 15_000, 1));
    assert_eq!(u.pct, 33.3);
    assert_eq!(u.forecast_exhaustion, Some(datetime!(2024-05-02 10:00 UTC)));
    assert_eq!(u.next_reset, datetime!(2024-05-02 16:00 UTC));

    // The org has 10,000 calls left and we used 5,000 of its calls today: half of the
    // 15,000 may be ours, 7,500 in force.
    let org = OrgUsage {
        used: 90_000,
        max: 100_000,
    };
    record_org_usage(&d, &app(), org).await.unwrap();
    let u = usage_today(&d, &settings(), now).await.unwrap();
    assert_eq!((u.allocated, u.pct, u.org), (7_500, 66.7, Some(org)));
    assert_eq!(u.forecast_exhaustion, Some(datetime!(2024-05-02 01:00 UTC)));
}

#[tokio::test]
async fn allocation_is_validated_and_saved_with_the_next_revision() {
    let f = Fakes::new();
    f.settings.put(&settings()).await.unwrap();
    let d = deps(&f, &f.queue);
    assert!(matches!(
        set_allocation(&d, &app(), alloc(0, 50)).await,
        Err(QuotaError::InvalidAllocation(_))
    ));
    assert!(matches!(
        set_allocation(&d, &app(), alloc(1_000, 101)).await,
        Err(QuotaError::InvalidAllocation(_))
    ));
    let saved = set_allocation(&d, &app(), alloc(5_000, 80)).await.unwrap();
    assert_eq!(saved.revision, 2);
    let stored = f.settings.get(&app()).await.unwrap().unwrap();
    assert_eq!(
        (stored.allocation.daily, stored.allocation.max_org_share_pct),
        (5_000, 80)
    );
    let other = AppId::parse("nope").unwrap();
    assert_eq!(
        set_allocation(&d, &other, alloc(5_000, 80))
            .await
            .unwrap_err(),
        QuotaError::UnknownApp(other)
    );
}

#[tokio::test]
async fn resume_lifts_the_pause_and_requeues_the_parked_changes() {
    let f = Fakes::new();
    let mut s = settings();
    s.paused.push(Pause {
        object: ObjectKind::Lead,
        direction: Direction::SfToJing,
        reason: SyncError::new(ErrorCode::CircuitOpen).detail("40%"),
    });
    f.settings.put(&s).await.unwrap();
    let sf = RecordRef::Salesforce(SfId::parse("00Q000000000001").unwrap());
    let mut parked = change(1, Operation::Delete, Lane::Live, 0, "x");
    parked.record = sf;
    f.parked.park(&parked).await.unwrap();
    let d = deps(&f, &f.queue);

    let r = resume(&d, &app(), ObjectKind::Lead, Direction::SfToJing)
        .await
        .unwrap();
    assert!(r.was_paused);
    assert_eq!(r.requeue.requeued, 1);
    let stored = f.settings.get(&app()).await.unwrap().unwrap();
    assert!(!stored.is_paused(ObjectKind::Lead, Direction::SfToJing));
    assert_eq!(stored.revision, 2);
    assert_eq!(drain(&f.queue).await, vec![parked]);

    let again = resume(&d, &app(), ObjectKind::Lead, Direction::SfToJing)
        .await
        .unwrap();
    assert!(!again.was_paused);
    assert_eq!(f.settings.get(&app()).await.unwrap().unwrap().revision, 2);
}

#[tokio::test]
async fn reset_all_keeps_the_changes_of_an_app_that_is_off() {
    let f = Fakes::new();
    f.settings.put(&settings()).await.unwrap();
    let mut off = AppSettings::new(
        AppId::parse("off").unwrap(),
        "Off",
        Environment::Sandbox,
        "j",
        "t2",
    );
    off.revision = 1;
    off.enabled = false;
    f.settings.put(&off).await.unwrap();
    f.parked
        .park(&change(1, Operation::Upsert, Lane::Live, 0, "on"))
        .await
        .unwrap();
    let mut theirs = change(2, Operation::Upsert, Lane::Live, 0, "off");
    theirs.app = off.app.clone();
    f.parked.park(&theirs).await.unwrap();

    let results = reset_all(&deps(&f, &f.queue)).await.unwrap();
    assert_eq!(results.len(), 2);
    for (app_id, r) in &results {
        let r = r.as_ref().unwrap();
        if app_id == &off.app {
            assert!(r.app_off);
            assert_eq!((r.requeued, r.still_parked), (0, 1));
        } else {
            assert_eq!((r.requeued, r.app_off), (1, false));
        }
    }
    let queued = drain(&f.queue).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].app, app());
    assert_eq!(f.parked.count(&off.app).await.unwrap(), 1);
}

fn alloc(daily: u64, max_org_share_pct: u8) -> jingsf_app::settings::Allocation {
    jingsf_app::settings::Allocation {
        daily,
        max_org_share_pct,
        ..Default::default()
    }
}
