//! The JING safety net on fakes: the first run only places the cursors; a change whose webhook
//! never came is queued once, however often the overlap window re-reads it; late commits behind
//! the cursor are caught; the cursor never passes the run's start and does not move when the
//! queue or JING fails; closed directions cost no call; invalidations and our own writes come
//! back as deletes and snapshots.

use app::capture::{JING_OVERLAP, JingPollDeps, jing_cursor_key, poll_jing};
use app::contract::failing::FailingQueue;
use app::fake_remote::FakeJing;
use app::fakes::{Fakes, FixedClock};
use app::ports::*;
use app::settings::{AppSettings, DirectionRules, Environment};
use domain::{Actor, AppId, ErrorCode, Lane, ObjectKind, Operation, RecordRef, SyncError, Value};
use jingsf_app as app;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};

const T: OffsetDateTime = FixedClock::DEFAULT_START;

fn settings() -> AppSettings {
    AppSettings::new(
        AppId::parse("acme").unwrap(),
        "Acme",
        Environment::Production,
        "jing-app",
        "59",
    )
}

fn lead(name: &str) -> Fields {
    [
        ("name".to_string(), Value::text(name)),
        ("company_id".to_string(), Value::text("径硕科技")),
    ]
    .into()
}

async fn drain(f: &Fakes) -> Vec<domain::Change> {
    let got = f
        .queue
        .receive(10_000, StdDuration::from_secs(60))
        .await
        .unwrap();
    let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
    f.queue.ack(&receipts).await.unwrap();
    got.into_iter().map(|d| d.change).collect()
}

/// The stored cursor of `object`.
async fn cursor(f: &Fakes, s: &AppSettings, object: ObjectKind) -> OffsetDateTime {
    let raw = f
        .cursors
        .get(&s.app, &jing_cursor_key(object))
        .await
        .unwrap()
        .expect("a cursor");
    let json: serde_json::Value = serde_json::from_str(&raw).unwrap();
    OffsetDateTime::parse(
        json["updated_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

/// Our clock at `T + minutes`.
fn at(f: &Fakes, minutes: i64) {
    f.clock.set(T + Duration::minutes(minutes));
}

#[tokio::test]
async fn the_first_run_places_the_cursors_and_calls_nothing() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    jing.set_now(T - Duration::days(3));
    jing.insert("lead", lead("历史"));
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.objects, vec![ObjectKind::Account, ObjectKind::Lead]);
    assert_eq!((r.enqueued, r.pages, jing.calls()), (0, 0, 0), "{r:?}");
    for object in [ObjectKind::Account, ObjectKind::Lead] {
        assert_eq!(cursor(&f, &s, object).await, T - JING_OVERLAP);
    }
    assert!(
        drain(&f).await.is_empty(),
        "history is the initialization's"
    );
}

#[tokio::test]
async fn a_change_without_its_webhook_is_queued_once_despite_the_overlap() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    jing.set_now(T + Duration::minutes(28));
    let id = jing.insert("lead", lead("无回调"));
    at(&f, 30);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!((r.enqueued, r.already_seen, r.pages), (1, 0, 2), "{r:?}");
    let changes = drain(&f).await;
    assert_eq!(changes.len(), 1);
    let c = &changes[0];
    assert_eq!(c.record, RecordRef::Jing(id.clone()));
    assert_eq!((c.op.clone(), c.lane), (Operation::Upsert, Lane::Live));
    assert_eq!(c.actor, Actor::Human(None));
    assert_eq!(c.source_time, T + Duration::minutes(28));
    assert_eq!(c.fields["name"].after, Value::text("无回调"));
    assert_eq!(
        cursor(&f, &s, ObjectKind::Lead).await,
        T + Duration::minutes(28)
    );
    // The next run re-reads it in the overlap window, and queues nothing.
    at(&f, 31);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!((r.enqueued, r.already_seen), (0, 1), "{r:?}");
    assert!(drain(&f).await.is_empty());
    // A new version of the same record is a new change.
    jing.set_now(T + Duration::minutes(32));
    jing.human_update(&id, [("name".to_string(), Value::text("改名"))].into());
    at(&f, 33);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.enqueued, 1, "{r:?}");
    assert_eq!(drain(&f).await[0].fields["name"].after, Value::text("改名"));
}

#[tokio::test]
async fn a_late_commit_behind_the_cursor_is_caught_by_the_overlap() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    at(&f, 30);
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    let quiet = cursor(&f, &s, ObjectKind::Lead).await;
    assert_eq!(quiet, T + Duration::minutes(30) - JING_OVERLAP);
    // Stamped before the cursor, visible only after that run.
    jing.set_now(quiet - Duration::minutes(1));
    jing.insert("lead", lead("迟到"));
    at(&f, 60);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.enqueued, 1, "{r:?}");
}

#[tokio::test]
async fn the_cursor_never_passes_the_run_start() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    // JING's clock runs ten minutes ahead of ours.
    jing.set_now(T + Duration::minutes(40));
    jing.insert("lead", lead("超前"));
    at(&f, 30);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.enqueued, 1);
    assert_eq!(
        cursor(&f, &s, ObjectKind::Lead).await,
        T + Duration::minutes(30)
    );
    at(&f, 45);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(
        (r.enqueued, r.already_seen),
        (0, 1),
        "read again, not queued"
    );
    assert_eq!(drain(&f).await.len(), 1);
}

#[tokio::test]
async fn a_queue_or_jing_failure_moves_no_cursor_and_loses_nothing() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    let placed = cursor(&f, &s, ObjectKind::Lead).await;
    jing.set_now(T + Duration::minutes(1));
    jing.insert("lead", lead("排队失败"));
    at(&f, 30);
    let failing = FailingQueue::on(f.queue.clone());
    failing.fail_sends(true);
    let deps = JingPollDeps {
        queue: &failing,
        ..f.jing_poll_deps(&jing)
    };
    assert!(poll_jing(&deps, &s).await.is_err());
    assert_eq!(cursor(&f, &s, ObjectKind::Lead).await, placed);
    jing.fail_next(SyncError::new(ErrorCode::RemoteUnavailable));
    let e = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::RemoteUnavailable);
    assert_eq!(cursor(&f, &s, ObjectKind::Lead).await, placed);
    // Both back: the change is queued (its claim was given back), once.
    at(&f, 60);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.enqueued, 1, "{r:?}");
    assert_eq!(drain(&f).await.len(), 1);
}

#[tokio::test]
async fn pages_of_equal_stamps_are_all_read_and_queued_once() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    jing.set_now(T + Duration::minutes(1));
    for i in 0..250 {
        jing.insert("lead", lead(&format!("批量{i}")));
    }
    at(&f, 30);
    let calls = jing.calls();
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.enqueued, 250, "{r:?}");
    assert_eq!(r.pages, 1 + 3, "accounts: 1 page; leads: 3 pages of 100");
    assert_eq!(jing.calls() - calls, r.pages);
    let mut ids: Vec<_> = drain(&f).await.into_iter().map(|c| c.record).collect();
    ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    ids.dedup();
    assert_eq!(ids.len(), 250);
}

#[tokio::test]
async fn closed_directions_cost_no_call() {
    let (f, mut s, jing) = (Fakes::new(), settings(), FakeJing::new());
    s.objects.get_mut(&ObjectKind::Lead).unwrap().jing_to_sf = DirectionRules::off();
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    jing.set_now(T + Duration::minutes(1));
    jing.insert("lead", lead("不同步"));
    at(&f, 30);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(r.objects, vec![ObjectKind::Account]);
    assert_eq!((r.enqueued, r.pages, jing.calls()), (0, 1, 1), "{r:?}");
    s.enabled = false;
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!(
        (r.pages, jing.calls()),
        (0, 1),
        "an app switched off lists nothing"
    );
}

#[tokio::test]
async fn invalidations_are_deletes_and_our_writes_are_snapshots() {
    let (f, s, jing) = (Fakes::new(), settings(), FakeJing::new());
    poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    jing.set_now(T + Duration::minutes(1));
    let gone = jing.insert("lead", lead("作废"));
    jing.human_invalidate(&gone);
    let ours = JingPort::create(&jing, "lead", &[lead("我们写的")])
        .await
        .unwrap();
    let WriteResult::Ok(ours) = &ours[0] else {
        panic!("{ours:?}")
    };
    at(&f, 30);
    let r = poll_jing(&f.jing_poll_deps(&jing), &s).await.unwrap();
    assert_eq!((r.enqueued, r.deletes, r.own_writes), (2, 1, 1), "{r:?}");
    let changes = drain(&f).await;
    let of = |id: &str| changes.iter().find(|c| c.record.as_str() == id).unwrap();
    let del = of(gone.as_str());
    assert_eq!(del.op, Operation::Delete);
    assert!(del.fields.is_empty());
    assert_eq!(of(ours).actor, Actor::IntegrationSnapshot);
}
