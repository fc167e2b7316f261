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
    let (a, day) = (app("quota-a"), date!(2024 - 05 - 01));
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        0,
        "an unused day counts 0"
    );
    assert_eq!(
        store.reserve(&a, day, 5, 10).await.unwrap(),
        Reservation::Granted { used: 5 }
    );
    assert_eq!(
        store.reserve(&a, day, 5, 10).await.unwrap(),
        Reservation::Granted { used: 10 }
    );
    let refused = store.reserve(&a, day, 1, 10).await.unwrap();
    assert_eq!(
        refused,
        Reservation::Refused { used: 10 },
        "reserving past the allocation"
    );
    store.release(&a, day, 3).await.unwrap();
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        7,
        "release gives calls back"
    );
    let too_many = store.reserve(&a, day, 4, 10).await.unwrap();
    assert_eq!(
        too_many,
        Reservation::Refused { used: 7 },
        "a refused reservation reserves nothing"
    );
    assert_eq!(
        store.reserve(&a, day, 3, 10).await.unwrap(),
        Reservation::Granted { used: 10 }
    );
    let lowered = store.reserve(&a, day, 1, 5).await.unwrap();
    assert_eq!(
        lowered,
        Reservation::Refused { used: 10 },
        "a lowered allocation refuses"
    );
    store.release(&a, day, 50).await.unwrap();
    assert_eq!(
        store.used(&a, day).await.unwrap(),
        0,
        "release never goes below zero"
    );

    let next_day = date!(2024 - 05 - 02);
    store.reserve(&a, day, 2, 10).await.unwrap();
    assert_eq!(
        store.used(&a, next_day).await.unwrap(),
        0,
        "each day has its own counter"
    );
    assert_eq!(
        store.used(&app("quota-b"), day).await.unwrap(),
        0,
        "each app has its own counter"
    );
    store
        .release(&app("quota-b"), day, 1)
        .await
        .expect("releasing an unused counter is fine");
    concurrent_reserves_never_pass_the_allocation(store).await;
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
