//! Differential tests: long pseudo-random operation sequences run on the in-memory fake and on
//! SQLite side by side; every answer must match (receipts and ids aside). The fake is the
//! executable statement of the semantics, so any drift between the two shows up here.

use app::contract::{self, T0};
use app::fakes::{FixedClock, MemBindingStore, MemParkedStore, MemQueue};
use app::ports::*;
use domain::{Lane, ObjectKind, Operation, RecordRef};
use jingsf_local::LocalStore;
use std::sync::Arc;
use std::time::Duration;

/// A small deterministic generator (no dependency, reproducible from the seed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn shape(ds: &[Delivery]) -> Vec<(domain::Change, u32)> {
    ds.iter()
        .map(|d| (d.change.clone(), d.receive_count))
        .collect()
}

async fn queue_run(seed: u64) -> usize {
    let clock = FixedClock::default();
    let fake = MemQueue::new(Arc::new(clock.clone()), 3);
    let store = LocalStore::in_memory().unwrap();
    let real = store.queue(Arc::new(clock.clone()), 3);
    let app = contract::app("diff");
    let mut rng = Lcg(seed);
    // In-flight receipts, paired: (fake, sqlite).
    let mut leased: Vec<(String, String)> = Vec::new();
    for step in 0..400 {
        match rng.next(6) {
            0 => {
                let n = rng.next(4);
                let cs: Vec<_> = (0..n)
                    .map(|i| {
                        contract::change(
                            &app,
                            RecordRef::Jing(contract::jing_id(step * 10 + i)),
                            T0,
                            &[("k", "v")],
                        )
                    })
                    .collect();
                fake.send(&cs).await.unwrap();
                real.send(&cs).await.unwrap();
            }
            1 | 2 => {
                let (max, vis) = (rng.next(4) as usize, Duration::from_secs(rng.next(3) * 10));
                let (a, b) = (
                    fake.receive(max, vis).await.unwrap(),
                    real.receive(max, vis).await.unwrap(),
                );
                assert_eq!(shape(&a), shape(&b), "seed {seed} step {step}: receive");
                leased.extend(a.into_iter().zip(b).map(|(x, y)| (x.receipt, y.receipt)));
            }
            3 if !leased.is_empty() => {
                let (x, y) = leased.swap_remove(rng.next(leased.len() as u64) as usize);
                fake.ack(&[x]).await.unwrap();
                real.ack(&[y]).await.unwrap();
            }
            4 if !leased.is_empty() => {
                let (x, y) = leased.swap_remove(rng.next(leased.len() as u64) as usize);
                let delay = Duration::from_secs(rng.next(2) * 5);
                fake.nack(&x, delay).await.unwrap();
                real.nack(&y, delay).await.unwrap();
            }
            _ => clock.advance(Duration::from_secs(rng.next(15))),
        }
        assert_eq!(
            fake.depth().await.unwrap(),
            real.depth().await.unwrap(),
            "seed {seed} step {step}: depth"
        );
    }
    let bodies = |ls: Vec<DeadLetter>| {
        ls.into_iter()
            .map(|l| (l.body, l.receive_count))
            .collect::<Vec<_>>()
    };
    let (a, b) = (
        fake.dead_letters(1000).await.unwrap(),
        real.dead_letters(1000).await.unwrap(),
    );
    assert_eq!(bodies(a.clone()), bodies(b), "seed {seed}: dead letters");
    a.len()
}

#[tokio::test]
async fn sqlite_queue_behaves_like_the_fake() {
    let mut dead = 0;
    for seed in 1..=8 {
        dead += queue_run(seed).await;
    }
    assert!(dead > 0, "the runs reach the dead-letter path");
}

async fn bindings_run(seed: u64) -> (u32, u32) {
    let (mut ok, mut refused) = (0, 0);
    let fake = MemBindingStore::default();
    let store = LocalStore::in_memory().unwrap();
    let real: &dyn BindingStore = &store;
    let apps = [contract::app("diff-a"), contract::app("diff-b")];
    let mut rng = Lcg(seed);
    for step in 0..300 {
        let app = &apps[rng.next(2) as usize];
        let (sf, jing) = (
            contract::sf_id("00Q", rng.next(12)),
            contract::jing_id(rng.next(12)),
        );
        match rng.next(4) {
            0 | 1 => {
                let expected = match rng.next(3) {
                    0 => None,
                    n => Some(n),
                };
                let b = contract::binding(app, ObjectKind::Lead, &sf, &jing, rng.next(3) + 1);
                let (x, y) = (fake.put(&b, expected).await, real.put(&b, expected).await);
                assert_eq!(
                    x.is_ok(),
                    y.is_ok(),
                    "seed {seed} step {step}: put {x:?} vs {y:?}"
                );
                if x.is_ok() {
                    ok += 1;
                } else {
                    refused += 1;
                }
            }
            2 => {
                fake.remove(app, ObjectKind::Lead, &sf).await.unwrap();
                real.remove(app, ObjectKind::Lead, &sf).await.unwrap();
            }
            _ => {
                let (x, y) = (
                    fake.by_jing(app, ObjectKind::Lead, &jing).await.unwrap(),
                    real.by_jing(app, ObjectKind::Lead, &jing).await.unwrap(),
                );
                assert_eq!(x, y, "seed {seed} step {step}: by_jing");
            }
        }
        let (x, y) = (
            fake.list(app, ObjectKind::Lead, None, 100).await.unwrap(),
            real.list(app, ObjectKind::Lead, None, 100).await.unwrap(),
        );
        assert_eq!(x, y, "seed {seed} step {step}: list");
    }
    (ok, refused)
}

#[tokio::test]
async fn sqlite_bindings_behave_like_the_fake() {
    let (mut ok, mut refused) = (0, 0);
    for seed in 1..=8 {
        let (o, r) = bindings_run(seed).await;
        (ok, refused) = (ok + o, refused + r);
    }
    assert!(
        ok > 50 && refused > 50,
        "both outcomes exercised: {ok} written, {refused} refused"
    );
}

async fn parked_run(seed: u64) -> u32 {
    let mut merged = 0;
    let fake = MemParkedStore::default();
    let store = LocalStore::in_memory().unwrap();
    let real: &dyn ParkedStore = &store;
    let app = contract::app("diff-parked");
    let mut rng = Lcg(seed);
    for step in 0..300 {
        if rng.next(5) == 0 {
            let max = rng.next(4) as usize;
            let (x, y) = (
                fake.take(&app, max).await.unwrap(),
                real.take(&app, max).await.unwrap(),
            );
            assert_eq!(x, y, "seed {seed} step {step}: take");
            continue;
        }
        let record = RecordRef::Jing(contract::jing_id(rng.next(6)));
        let at = T0 + time::Duration::seconds(rng.next(100) as i64);
        let value = format!("v{step}");
        let mut c = contract::change(
            &app,
            record,
            at,
            &[(["a", "b", "c"][rng.next(3) as usize], value.as_str())],
        );
        c.op =
            [Operation::Upsert, Operation::Upsert, Operation::Delete][rng.next(3) as usize].clone();
        c.lane = if rng.next(3) == 0 {
            Lane::Backfill
        } else {
            Lane::Live
        };
        let before = fake.count(&app).await.unwrap();
        fake.park(&c).await.unwrap();
        real.park(&c).await.unwrap();
        if fake.count(&app).await.unwrap() == before {
            merged += 1;
        }
        assert_eq!(
            fake.count(&app).await.unwrap(),
            real.count(&app).await.unwrap()
        );
    }
    let (x, y) = (
        fake.take(&app, 100).await.unwrap(),
        real.take(&app, 100).await.unwrap(),
    );
    assert_eq!(x, y, "seed {seed}: final take");
    merged
}

#[tokio::test]
async fn sqlite_parked_store_behaves_like_the_fake() {
    let mut merged = 0;
    for seed in 1..=8 {
        merged += parked_run(seed).await;
    }
    assert!(merged > 100, "coalescing exercised ({merged} merges)");
}
