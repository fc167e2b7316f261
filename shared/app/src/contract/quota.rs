//! Contracts of [`QuotaStore`] and [`ParkedStore`].

use super::fixtures::*;
use super::join_all;
use crate::ports::{ParkedStore, QuotaStore, Reservation};
use domain::{Actor, Change, Lane, Operation, RecordRef, Value};
use std::future::Future;
use std::pin::Pin;
use time::macros::date;

/// Reserve never passes the allocation (also under 50 concurrent callers), release gives back,
/// counters are per app and per day.
pub async fn quota_store(store: &dyn QuotaStore) {
    reserve_and_release_follow_the_counter(store).await;
    counters_are_per_app_and_day(store).await;
    concurrent_reserves_never_pass_the_allocation(store).await;
    rolling_windows_sum_their_last_buckets(store).await;
    concurrent_window_adds_are_never_lost(store).await;
}

async fn rolling_windows_sum_their_last_buckets(store: &dyn QuotaStore) {
    let (a, b) = (app("window-a"), app("window-b"));
    let add =
        |app, bucket, counts: &'static [u64]| store.add_in_window(app, "w", bucket, 6, counts);
    assert_eq!(add(&a, 100, &[2, 1]).await.unwrap(), [2, 1]);
    assert_eq!(
        add(&a, 100, &[3, 0]).await.unwrap(),
        [5, 1],
        "same bucket adds"
    );
    assert_eq!(
        add(&a, 103, &[1, 1]).await.unwrap(),
        [6, 2],
        "within the window"
    );
    assert_eq!(
        add(&a, 105, &[0, 0]).await.unwrap(),
        [6, 2],
        "bucket 100 is the window's oldest"
    );
    assert_eq!(
        add(&a, 106, &[1, 0]).await.unwrap(),
        [2, 1],
        "bucket 100 left the window"
    );
    assert_eq!(
        add(&a, 112, &[4, 4]).await.unwrap(),
        [4, 4],
        "a ring slot reused by a newer bucket starts from its counts"
    );
    assert_eq!(add(&b, 112, &[1, 0]).await.unwrap(), [1, 0], "apps apart");
    let other = store
        .add_in_window(&a, "other", 112, 6, &[7])
        .await
        .unwrap();
    assert_eq!(other, [7], "windows apart");
}

async fn concurrent_window_adds_are_never_lost(store: &dyn QuotaStore) {
    let a = app("window-race");
    type Fut<'a> = Pin<Box<dyn Future<Output = Vec<u64>> + Send + 'a>>;
    let calls: Vec<Fut<'_>> = (0..20)
        .map(|i| {
            let a = a.clone();
            Box::pin(async move {
                store
                    .add_in_window(&a, "w", 7 + i % 2, 6, &[1])
                    .await
                    .unwrap()
            }) as Fut<'_>
        })
        .collect();
    let seen = join_all(calls).await;
    assert!(seen.iter().all(|s| (1..=20).contains(&s[0])), "{seen:?}");
    let total = store.add_in_window(&a, "w", 8, 6, &[0]).await.unwrap();
    assert_eq!(total, [20], "every concurrent add counted");
}

/// One step of a counter script.
enum Step {
    /// Reserve `calls` against `allocation`, expecting this answer.
    Reserve(u64, u64, Reservation, &'static str),
    /// Release `calls`, expecting this many used afterwards.
    Release(u64, u64, &'static str),
}

async fn reserve_and_release_follow_the_counter(store: &dyn QuotaStore) {
    use Reservation::{Granted, Refused};
    use Step::{Release, Reserve};
    let (a, day) = (app("quota-a"), date!(2024 - 05 - 01));
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        0,
        "an unused day counts 0"
    );
    let script = [
        Reserve(
            5,
            10,
            Granted { used: 5 },
            "a reservation within the allocation",
        ),
        Reserve(
            5,
            10,
            Granted { used: 10 },
            "a reservation up to the allocation",
        ),
        Reserve(1, 10, Refused { used: 10 }, "reserving past the allocation"),
        Release(3, 7, "release gives calls back"),
        Reserve(
            4,
            10,
            Refused { used: 7 },
            "a refused reservation reserves nothing",
        ),
        Reserve(
            3,
            10,
            Granted { used: 10 },
            "the exact remainder is granted",
        ),
        Reserve(1, 5, Refused { used: 10 }, "a lowered allocation refuses"),
        Release(50, 0, "release never goes below zero"),
    ];
    for step in script {
        match step {
            Reserve(calls, allocation, expected, what) => {
                let got = store.reserve(&a, day, calls, allocation).await.unwrap();
                assert_eq!(got, expected, "{what}");
            }
            Release(calls, used, what) => {
                store.release(&a, day, calls).await.unwrap();
                assert_eq!(store.used(&a, day).await.unwrap(), used, "{what}");
            }
        }
    }
}

async fn counters_are_per_app_and_day(store: &dyn QuotaStore) {
    let (a, b, day) = (app("quota-day"), app("quota-b"), date!(2024 - 05 - 01));
    store.reserve(&a, day, 2, 10).await.unwrap();
    let next_day = store.used(&a, date!(2024 - 05 - 02)).await.unwrap();
    assert_eq!(next_day, 0, "each day has its own counter");
    assert_eq!(
        store.used(&b, day).await.unwrap(),
        0,
        "each app has its own counter"
    );
    store
        .release(&b, day, 1)
        .await
        .expect("releasing an unused counter is fine");
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        2,
        "another app's release changes nothing"
    );
}

async fn concurrent_reserves_never_pass_the_allocation(store: &dyn QuotaStore) {
    let (a, day) = (app("quota-race"), date!(2024 - 05 - 01));
    type Fut<'a> = Pin<Box<dyn Future<Output = Reservation> + Send + 'a>>;
    let calls: Vec<Fut<'_>> = (0..50)
        .map(|_| {
            let a = a.clone();
            Box::pin(async move { store.reserve(&a, day, 1, 20).await.unwrap() }) as Fut<'_>
        })
        .collect();
    let results = join_all(calls).await;
    let mut granted: Vec<u64> = results
        .iter()
        .filter_map(|r| match r {
            Reservation::Granted { used } => Some(*used),
            Reservation::Refused { .. } => None,
        })
        .collect();
    granted.sort_unstable();
    assert_eq!(
        granted,
        (1..=20).collect::<Vec<u64>>(),
        "exactly 20 of 50 concurrent reserves granted, each seeing its own count"
    );
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        20,
        "the counter stops at the allocation"
    );
}

/// Coalescing per record, priority order of `take`, `count`/`contains`, app isolation.
pub async fn parked_store(store: &dyn ParkedStore) {
    parking_coalesces_per_record(store).await;
    take_follows_priority(store).await;
    peek_then_remove_keeps_what_was_reparked(store).await;
}

fn jing(n: u64) -> RecordRef {
    RecordRef::Jing(jing_id(n))
}

async fn parking_coalesces_per_record(store: &dyn ParkedStore) {
    let a = app("parked-merge");
    let first = change(&a, jing(1), at(10), &[("name", "张三"), ("title", "CEO")]);
    let second = change(
        &a,
        jing(1),
        at(20),
        &[("name", "张三丰"), ("mobile", "13800000000")],
    );
    let mut third = change(&a, jing(1), at(30), &[("title", "CTO")]);
    third.actor = Actor::Human(Some("op-7".into()));
    for c in [&first, &second, &third] {
        store.park(c).await.unwrap();
    }
    store
        .park(&change(
            &app("parked-merge-b"),
            jing(1),
            at(5),
            &[("name", "b")],
        ))
        .await
        .unwrap();
    assert_eq!(
        store.count(&a).await.unwrap(),
        1,
        "one parked change per record"
    );
    assert!(store.contains(&a, &jing(1)).await.unwrap());
    assert!(!store.contains(&a, &jing(2)).await.unwrap());
    let taken = store.take(&a, 10).await.unwrap();
    let mut expected = first.clone();
    expected.coalesce(second);
    expected.coalesce(third);
    assert_eq!(
        taken,
        vec![expected.clone()],
        "parked three times → one change, coalesced"
    );
    let value = |k: &str| expected.fields[k].after.clone();
    assert_eq!(value("name"), Value::text("张三丰"), "latest name");
    assert_eq!(value("title"), Value::text("CTO"), "latest title");
    assert_eq!(taken[0].source_time, at(30));
    assert_eq!(store.count(&a).await.unwrap(), 0, "take removes");
    assert!(!store.contains(&a, &jing(1)).await.unwrap());
    assert!(store.take(&a, 10).await.unwrap().is_empty());
    let b = app("parked-merge-b");
    assert_eq!(
        store.count(&b).await.unwrap(),
        1,
        "another app's parked change stays"
    );
}

async fn take_follows_priority(store: &dyn ParkedStore) {
    let a = app("parked-order");
    let with = |n: u64, op: Operation, lane: Lane| {
        let mut c = change(&a, jing(n), at(n as i64), &[("name", "x")]);
        c.op = op;
        c.lane = lane;
        c
    };
    let convert = Operation::Convert {
        account: None,
        contact: None,
        opportunity: Some(sf_id("006", 1)),
    };
    let parked: Vec<Change> = vec![
        with(1, Operation::Upsert, Lane::Backfill),
        with(2, Operation::Upsert, Lane::Live),
        with(3, Operation::Delete, Lane::Live),
        with(4, Operation::Upsert, Lane::Live),
        with(5, Operation::Delete, Lane::Backfill),
        with(6, convert, Lane::Live),
    ];
    for c in &parked {
        store.park(c).await.unwrap();
    }
    store
        .park(&change(&app("parked-order-b"), jing(9), at(0), &[]))
        .await
        .unwrap();
    let records = |cs: Vec<Change>| cs.into_iter().map(|c| c.record).collect::<Vec<_>>();
    let first = records(store.take(&a, 3).await.unwrap());
    assert_eq!(
        first,
        vec![jing(3), jing(6), jing(2)],
        "deletes/conversions, then live upserts"
    );
    assert_eq!(store.count(&a).await.unwrap(), 3);
    let rest = records(store.take(&a, 10).await.unwrap());
    assert_eq!(
        rest,
        vec![jing(4), jing(1), jing(5)],
        "then the backfill lane, in parking order"
    );
    assert_eq!(
        store.count(&app("parked-order-b")).await.unwrap(),
        1,
        "app isolation"
    );
}

/// The concurrency check again with 50 spawned tasks (true parallelism on a multi-thread
/// runtime; adapters that block a thread per call are raced for real here).
pub async fn quota_store_spawned(store: std::sync::Arc<dyn QuotaStore>) {
    let (a, day) = (app("quota-spawned"), date!(2024 - 05 - 01));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, a) = (store.clone(), a.clone());
            tokio::spawn(async move { store.reserve(&a, day, 1, 20).await.unwrap() })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        if matches!(t.await.expect("reserve task"), Reservation::Granted { .. }) {
            granted += 1;
        }
    }
    assert_eq!(granted, 20, "exactly 20 of 50 spawned reserves granted");
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        20,
        "the counter stops at the allocation"
    );
}

/// `peek` leaves changes in place; `remove` takes only what is still as peeked (a re-park
/// between the two keeps the newer change).
async fn peek_then_remove_keeps_what_was_reparked(store: &dyn ParkedStore) {
    let a = app("parked-peek");
    store
        .park(&change(&a, jing(1), at(1), &[("name", "甲")]))
        .await
        .unwrap();
    store
        .park(&change(&a, jing(2), at(2), &[("name", "乙")]))
        .await
        .unwrap();
    let peeked = store.peek(&a, 10).await.unwrap();
    assert_eq!(peeked.len(), 2);
    assert_eq!(store.count(&a).await.unwrap(), 2, "peek leaves them parked");
    let newer = change(&a, jing(2), at(3), &[("title", "经理")]);
    store.park(&newer).await.unwrap();
    assert_eq!(
        store.remove(&a, &peeked).await.unwrap(),
        1,
        "the re-parked change is not removed"
    );
    let left = store.peek(&a, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].change.record, jing(2));
    assert_eq!(
        left[0].change.fields["title"].after,
        Value::text("经理"),
        "with its newer values"
    );
    assert_eq!(store.remove(&a, &left).await.unwrap(), 1);
    assert_eq!(
        store.remove(&a, &left).await.unwrap(),
        0,
        "removing twice finds nothing"
    );
}

/// Re-queueing parked changes with failures injected at every step loses nothing: a refused
/// send leaves everything parked; a failing removal leaves the sent changes parked too (sent
/// twice later, which the writer recognises); a clean run moves them all.
pub async fn parked_requeue_loses_nothing(store: std::sync::Arc<dyn ParkedStore>) {
    use super::failing::{FailingQueue, FailingRemove};
    use crate::fakes::{MemCursorStore, MemQuotaStore, MemSettingsStore};
    use crate::ports::{ChangeQueue, SettingsStore};
    use crate::quota_reset::{QuotaDeps, reset};
    let a = app("parked-requeue");
    for n in 0..7 {
        let c = change(&a, jing(n), at(n as i64), &[("name", "x")]);
        store.park(&c).await.unwrap();
    }
    let settings = MemSettingsStore::default();
    let mut s = crate::settings::AppSettings::new(
        a.clone(),
        "Requeue",
        crate::settings::Environment::Production,
        "j",
        "t",
    );
    s.revision = 1;
    settings.put(&s).await.unwrap();
    let (quota, cursors, queue) = (
        MemQuotaStore::default(),
        MemCursorStore::default(),
        FailingQueue::default(),
    );
    let failing_remove = FailingRemove(store.clone());
    let deps = QuotaDeps {
        quota: &quota,
        parked: store.as_ref(),
        queue: &queue,
        settings: &settings,
        cursors: &cursors,
    };
    let removal_fails = QuotaDeps {
        parked: &failing_remove,
        ..deps
    };
    queue.fail_sends(true);
    assert!(
        reset(&deps, &s).await.is_err(),
        "a refused send is an error"
    );
    assert_eq!(
        store.count(&a).await.unwrap(),
        7,
        "nothing left the parked store"
    );
    assert_eq!(queue.depth().await.unwrap(), 0);
    queue.fail_sends(false);
    assert!(
        reset(&removal_fails, &s).await.is_err(),
        "a failed removal is an error"
    );
    let sent = queue.depth().await.unwrap();
    assert!(sent >= 1, "the first chunk was sent");
    assert_eq!(
        store.count(&a).await.unwrap(),
        7,
        "and is still parked: nothing lost"
    );
    let r = reset(&deps, &s).await.unwrap();
    assert_eq!(r.requeued, 7);
    assert_eq!(store.count(&a).await.unwrap(), 0);
    assert_eq!(
        queue.depth().await.unwrap(),
        sent + 7,
        "every change reached the queue"
    );
}
