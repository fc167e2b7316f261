//! Throughput of the embedded store on this machine:
//! `cargo run --release -p jingsf-local --example throughput`.
//!
//! Measures binding lookups (by Salesforce id and by JING id) over 10,000 bindings, and queue
//! send → receive → ack cycles, for each execution mode and durability level.

use app::contract;
use app::ports::{BindingStore, ChangeQueue, SystemClock};
use domain::{ObjectKind, RecordRef};
use jingsf_local::{Durability, Execution, LocalStore, Options};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BINDINGS: u64 = 10_000;
const LOOKUPS: u64 = 50_000;
const CYCLES: u64 = 5_000;

fn temp_path(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("jingsf-bench-{}-{tag}.sqlite", std::process::id()))
}

fn cleanup(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

async fn bench_lookups(store: &LocalStore) -> f64 {
    let app = contract::app("bench");
    for n in 0..BINDINGS {
        let b = contract::binding(
            &app,
            ObjectKind::Lead,
            &contract::sf_id("00Q", n),
            &contract::jing_id(n),
            1,
        );
        store.put(&b, None).await.expect("insert");
    }
    let start = Instant::now();
    for i in 0..LOOKUPS {
        let n = (i * 7919) % BINDINGS;
        let found = if i % 2 == 0 {
            store
                .by_sf(&app, ObjectKind::Lead, &contract::sf_id("00Q", n))
                .await
        } else {
            store
                .by_jing(&app, ObjectKind::Lead, &contract::jing_id(n))
                .await
        };
        assert!(found.expect("lookup").is_some());
    }
    LOOKUPS as f64 / start.elapsed().as_secs_f64()
}

/// One message at a time: send 1, receive 1, ack 1.
async fn bench_queue(q: &dyn ChangeQueue, batch: usize) -> f64 {
    let app = contract::app("bench");
    let changes: Vec<_> = (0..batch as u64)
        .map(|n| {
            contract::change(
                &app,
                RecordRef::Jing(contract::jing_id(n)),
                contract::T0,
                &[("name", "张三")],
            )
        })
        .collect();
    let start = Instant::now();
    let rounds = CYCLES / batch as u64;
    for _ in 0..rounds {
        q.send(&changes).await.expect("send");
        let got = q
            .receive(batch, Duration::from_secs(30))
            .await
            .expect("receive");
        assert_eq!(got.len(), batch);
        let receipts: Vec<String> = got.into_iter().map(|d| d.receipt).collect();
        q.ack(&receipts).await.expect("ack");
    }
    (rounds * batch as u64) as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for execution in [Execution::Inline, Execution::BlockingPool] {
        for durability in [Durability::Process, Durability::PowerLoss] {
            let path = temp_path("run");
            cleanup(&path);
            let store = LocalStore::open_with(
                &path,
                Options {
                    durability,
                    execution,
                },
            )
            .expect("open");
            let lookups = bench_lookups(&store).await;
            let q = store.queue(Arc::new(SystemClock), 5);
            let single = bench_queue(&q, 1).await;
            let batched = bench_queue(&q, 10).await;
            println!(
                "{execution:?}/{durability:?}: {lookups:.0} binding lookups/s; queue send+receive+ack: {single:.0} msg/s one at a time, {batched:.0} msg/s in batches of 10"
            );
            drop(q);
            drop(store);
            cleanup(&path);
        }
    }
}
