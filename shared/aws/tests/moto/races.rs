//! Races across "containers" (separate clients), key isolation and TTL.

use crate::common::{Moto, moto};
use app::contract::{app, at, binding, change, jing_id, sf_id};
use app::ports::*;
use aws::dynamo::*;
use domain::{ObjectKind, RecordRef};
use std::collections::BTreeMap;
use time::macros::date;

/// A client of its own, as a separate Lambda container would have.
fn container(m: &Moto) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&m.sdk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_containers_binding_one_salesforce_id_exactly_one_wins() {
    let m = moto().await;
    let t = m.tables().await;
    let a = app("race-bind");
    let sf = sf_id("00Q", 1);
    let tasks: Vec<_> = (0..8u64)
        .map(|n| {
            let store = DynamoBindingStore::new(container(&m), &t.bindings);
            let b = binding(&a, ObjectKind::Lead, &sf, &jing_id(n), 1);
            tokio::spawn(async move { store.put(&b, None).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("a losing binder gets Conflict, not {e:?}"),
        }
    }
    assert_eq!(
        wins, 1,
        "exactly one concurrent insert of the same SF id wins"
    );
    let store = DynamoBindingStore::new(m.clients.dynamo.clone(), &t.bindings);
    assert_eq!(store.count(&a, ObjectKind::Lead).await.unwrap(), 1);
    let winner = store
        .by_sf(&a, ObjectKind::Lead, &sf)
        .await
        .unwrap()
        .unwrap();
    let mut jing_items = 0;
    for n in 0..8 {
        if store
            .by_jing(&a, ObjectKind::Lead, &jing_id(n))
            .await
            .unwrap()
            .is_some()
        {
            jing_items += 1;
            assert_eq!(
                jing_id(n),
                winner.jing_id,
                "only the winner's JING id is bound"
            );
        }
    }
    assert_eq!(jing_items, 1, "losers left no JING item behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_version_checked_updates_exactly_one_wins() {
    let m = moto().await;
    let t = m.tables().await;
    let a = app("race-update");
    let (sf, jg) = (sf_id("00Q", 1), jing_id(1));
    let store = DynamoBindingStore::new(m.clients.dynamo.clone(), &t.bindings);
    store
        .put(&binding(&a, ObjectKind::Lead, &sf, &jg, 1), None)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = DynamoBindingStore::new(container(&m), &t.bindings);
            let mut b = binding(&a, ObjectKind::Lead, &sf, &jg, 2);
            b.name = format!("writer {i}");
            tokio::spawn(async move { store.put(&b, Some(1)).await.is_ok() })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1, "one writer per version");
    let by_sf = store
        .by_sf(&a, ObjectKind::Lead, &sf)
        .await
        .unwrap()
        .unwrap();
    let by_jing = store
        .by_jing(&a, ObjectKind::Lead, &jg)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_sf, by_jing, "both items hold the same winner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_reserved_from_many_containers_never_passes_the_allocation() {
    let m = moto().await;
    let t = m.tables().await;
    let (a, day) = (app("race-quota"), date!(2024 - 05 - 01));
    let tasks: Vec<_> = (0..120)
        .map(|i| {
            let store = DynamoQuotaStore::new(container(&m), &t.state);
            let a = a.clone();
            // Mixed sizes: 1, 2 or 3 calls per reservation.
            tokio::spawn(async move {
                (
                    i % 3 + 1,
                    store.reserve(&a, day, i % 3 + 1, 97).await.unwrap(),
                )
            })
        })
        .collect();
    let mut granted = 0;
    let mut seen = Vec::new();
    for task in tasks {
        if let (calls, Reservation::Granted { used }) = task.await.unwrap() {
            granted += calls;
            seen.push(used);
        }
    }
    let store = DynamoQuotaStore::new(m.clients.dynamo.clone(), &t.state);
    let used = store.used(&a, day).await.unwrap();
    assert_eq!(
        used, granted,
        "the counter equals the sum of granted reservations"
    );
    assert!(used <= 97, "never above the allocation: {used}");
    assert!(
        used >= 95,
        "and refusals only when the next reservation would not fit: {used}"
    );
    let grants = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), grants, "each grant saw its own running total");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_parks_of_one_record_coalesce_without_losing_fields() {
    let m = moto().await;
    let t = m.tables().await;
    let a = app("race-park");
    let record = RecordRef::Jing(jing_id(1));
    let tasks: Vec<_> = (0..4i64)
        .map(|i| {
            let store = DynamoParkedStore::new(container(&m), &t.state);
            let field = format!("f{i}");
            let c = change(&a, record.clone(), at(i), &[(field.as_str(), "v")]);
            tokio::spawn(async move { store.park(&c).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("a parker that loses a race retries");
    }
    let store = DynamoParkedStore::new(m.clients.dynamo.clone(), &t.state);
    assert_eq!(store.count(&a).await.unwrap(), 1, "one item per record");
    let taken = store.take(&a, 10).await.unwrap();
    let fields: Vec<&String> = taken[0].fields.keys().collect();
    assert_eq!(
        fields,
        vec!["f0", "f1", "f2", "f3"],
        "every parker's field survived"
    );
}

/// Every partition key of every item begins with its app id: no key built for one app can
/// read another app's items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_is_keyed_under_its_app() {
    let m = moto().await;
    let t = m.tables().await;
    let d = m.clients.dynamo.clone();
    let apps = [app("iso-one"), app("iso-two")];
    for a in &apps {
        let b = binding(a, ObjectKind::Lead, &sf_id("00Q", 1), &jing_id(1), 1);
        DynamoBindingStore::new(d.clone(), &t.bindings)
            .put(&b, None)
            .await
            .unwrap();
        DynamoCursorStore::new(d.clone(), &t.state)
            .put(a, "sf.lead", "{}")
            .await
            .unwrap();
        DynamoQuotaStore::new(d.clone(), &t.state)
            .reserve(a, date!(2024 - 05 - 01), 1, 10)
            .await
            .unwrap();
        let c = change(a, RecordRef::Jing(jing_id(1)), at(0), &[("name", "x")]);
        DynamoParkedStore::new(d.clone(), &t.state)
            .park(&c)
            .await
            .unwrap();
        let e = app::contract::error_record(
            a,
            ObjectKind::Lead,
            "K",
            "n",
            domain::ErrorCode::ValueTooLong,
            at(0),
        );
        DynamoErrorStore::new(d.clone(), &t.activity)
            .record(&e)
            .await
            .unwrap();
        let s = app::contract::synced(a, ObjectKind::Lead, "K", "n", at(0));
        DynamoSyncLog::new(d.clone(), &t.activity)
            .record(&s)
            .await
            .unwrap();
    }
    let mut scanned = 0;
    for table in [&t.bindings, &t.state, &t.activity] {
        let out = d.scan().table_name(table).send().await.unwrap();
        for item in out.items() {
            let pk = item["pk"].as_s().unwrap();
            assert!(
                apps.iter().any(|a| pk.starts_with(&format!("{a}#"))),
                "{table}: pk {pk} is not under an app"
            );
            scanned += 1;
        }
    }
    assert_eq!(
        scanned,
        2 * (3 + 3 + 2),
        "2 apps × (binding 3 items, state 3, activity 2)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ageing_tables_have_ttl_and_ageing_items_carry_it() {
    let m = moto().await;
    let t = m.tables().await;
    let d = m.clients.dynamo.clone();
    for table in [&t.state, &t.activity] {
        let out = d
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
            .unwrap();
        let desc = out.time_to_live_description.unwrap();
        assert_eq!(desc.attribute_name(), Some("expires_at"), "{table}");
        assert_eq!(
            desc.time_to_live_status().map(|s| s.as_str()),
            Some("ENABLED"),
            "{table}"
        );
    }
    let idem = DynamoIdempotencyStore::new(d.clone(), &t.state);
    assert!(idem.claim("ttl-app|lead|x", at(3600), at(0)).await.unwrap());
    let ledger = DynamoLedger::new(d.clone(), &t.activity);
    let entry = JournalEntry {
        app: app("ttl-app"),
        object: ObjectKind::Lead,
        record_key: "K".into(),
        direction: domain::Direction::JingToSf,
        before: BTreeMap::new(),
        after: BTreeMap::new(),
        at: at(0),
    };
    ledger.journal(&[entry]).await.unwrap();
    for table in [&t.state, &t.activity] {
        let out = d.scan().table_name(table).send().await.unwrap();
        for item in out.items() {
            let exp: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
            assert!(
                exp > at(0).unix_timestamp(),
                "{table}: expiry after the write"
            );
        }
        assert_eq!(out.items().len(), 1);
    }
}

/// More parked changes than one round of deletes: two takes return each change once, in
/// priority order, and two concurrent takers never both get one change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_changes_are_taken_once_in_priority_order() {
    let m = moto().await;
    let t = m.tables().await;
    let a = app("park-many");
    let store = DynamoParkedStore::new(m.clients.dynamo.clone(), &t.state);
    for n in 0..40u64 {
        let mut c = change(
            &a,
            RecordRef::Jing(jing_id(n)),
            at(n as i64),
            &[("name", "x")],
        );
        if n % 4 == 0 {
            c.lane = domain::Lane::Backfill;
        }
        store.park(&c).await.unwrap();
    }
    let first = store.take(&a, 25).await.unwrap();
    assert_eq!(first.len(), 25);
    assert!(
        first.iter().all(|c| c.lane == domain::Lane::Live),
        "the 30 live changes come before backfill"
    );
    let (one, two) = (
        DynamoParkedStore::new(container(&m), &t.state),
        DynamoParkedStore::new(container(&m), &t.state),
    );
    let (x, y) = tokio::join!(one.take(&a, 25), two.take(&a, 25));
    let mut all: Vec<RecordRef> = first.into_iter().map(|c| c.record).collect();
    all.extend(x.unwrap().into_iter().chain(y.unwrap()).map(|c| c.record));
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        (total, all.len()),
        (40, 40),
        "every change taken exactly once"
    );
    assert_eq!(store.count(&a).await.unwrap(), 0);
}
