//! API calls per applied change on the write path the adapters imply, counted by the
//! `CallCounter` interceptor (the figures in docs/storage.md come from here).

use crate::common::moto;
use app::contract::{app, at, binding, change, jing_id, sf_id};
use app::ports::*;
use domain::{ObjectKind, RecordRef};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::macros::date;

/// What one applied change costs in DynamoDB and SQS calls on the write path the adapters
/// imply: receive (batched) → claim → lookup → reserve quota → update binding → sync log →
/// clear error → journal → ack (batched).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_per_applied_change() {
    let m = moto().await;
    let prefix = crate::common::unique("js");
    let cfg = aws::provision::ensure_stack(&m.sdk, &prefix, "noreply@example.com")
        .await
        .unwrap();
    let counter = aws::calls::CallCounter::new();
    let ad = Arc::new(aws::Adapters::with_counter(&m.sdk, &cfg, &counter));
    let a = app("calls");
    let n = 20u64;
    for i in 0..n {
        let b = binding(&a, ObjectKind::Lead, &sf_id("00Q", i), &jing_id(i), 1);
        ad.bindings.put(&b, None).await.unwrap();
    }
    let changes: Vec<_> = (0..n)
        .map(|i| {
            change(
                &a,
                RecordRef::Jing(jing_id(i)),
                at(i as i64),
                &[("name", "新")],
            )
        })
        .collect();
    ad.queue.send(&changes).await.unwrap();
    counter.reset();
    let started = std::time::Instant::now();
    let mut applied = 0;
    while applied < n {
        let batch = ad
            .queue
            .receive(10, std::time::Duration::from_secs(30))
            .await
            .unwrap();
        for d in &batch {
            apply(&ad, &d.change).await;
        }
        ad.queue
            .ack(&batch.iter().map(|d| d.receipt.clone()).collect::<Vec<_>>())
            .await
            .unwrap();
        applied += batch.len() as u64;
    }
    let elapsed = started.elapsed();
    let calls = counter.snapshot();
    let total = counter.total();
    let per_change = total as f64 / n as f64;
    println!(
        "API calls for {n} applied changes ({:.0} ms, {:.1} changes/s on moto):",
        elapsed.as_millis(),
        n as f64 / elapsed.as_secs_f64()
    );
    for (op, count) in &calls {
        println!(
            "  {op}: {count} ({:.2} per change)",
            *count as f64 / n as f64
        );
    }
    println!("  total: {total} ({per_change:.2} per change)");
    assert_eq!(
        calls.get("DynamoDB.TransactWriteItems"),
        Some(&n),
        "one transaction per binding update"
    );
    assert_eq!(
        calls.get("SQS.DeleteMessageBatch"),
        Some(&(n / 10)),
        "acks are batched by 10"
    );
    assert!(
        per_change <= 7.5,
        "the write path stays at ~7 calls per change: {per_change}"
    );
}

async fn apply(ad: &aws::Adapters, c: &domain::Change) {
    let RecordRef::Jing(jing) = &c.record else {
        panic!("test changes come from JING")
    };
    let key = c.idempotency_key();
    let until = c.source_time + time::Duration::days(1);
    assert!(
        ad.idempotency
            .claim(&key, until, c.source_time)
            .await
            .unwrap()
    );
    let mut b = ad
        .bindings
        .by_jing(&c.app, c.object, jing)
        .await
        .unwrap()
        .unwrap();
    let granted = ad
        .quota
        .reserve(&c.app, date!(2024 - 05 - 01), 1, 15_000)
        .await
        .unwrap();
    assert!(matches!(granted, Reservation::Granted { .. }));
    let expected = b.version;
    b.version += 1;
    ad.bindings.put(&b, Some(expected)).await.unwrap();
    let key = b.sf_id.as_str().to_owned();
    ad.sync_log
        .record(&app::contract::synced(
            &c.app,
            c.object,
            &key,
            &b.name,
            c.source_time,
        ))
        .await
        .unwrap();
    ad.errors.clear(&c.app, c.object, &key).await.unwrap();
    let entry = JournalEntry {
        app: c.app.clone(),
        object: c.object,
        record_key: key,
        direction: domain::Direction::JingToSf,
        before: BTreeMap::new(),
        after: BTreeMap::new(),
        at: c.source_time,
    };
    ad.ledger.journal(&[entry]).await.unwrap();
}
