//! What the decision log (explain) costs the writer on the embedded store:
//! `cargo run --release -p jingsf-local --example decision_cost`.
//!
//! Applies batches of live JING lead changes (creates, then the same values again: unchanged)
//! through the real writer on a SQLite file, once with the SQLite decision log and once with
//! a log that drops everything, and reports the time per change of each and the log's calls
//! (one `record` per batch). Instructions: run each mode under
//! `valgrind --tool=callgrind` (see `main`).

use app::fake_remote::{FakeJing, FakeSalesforce};
use app::fakes::FixedClock;
use app::ports::{Decision, DecisionLog, StoreResult};
use app::settings::{AppSettings, Environment};
use app::write::{Deps, apply};
use async_trait::async_trait;
use domain::{AppId, Change, JingId, ObjectKind, RecordRef, Value};
use jingsf_local::LocalStore;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const BATCHES: u64 = 20;
const PER_BATCH: u64 = 100;

/// Counts batches and forwards to the real log, or drops them.
struct Counting<'a> {
    inner: Option<&'a LocalStore>,
    calls: AtomicU64,
}

#[async_trait]
impl DecisionLog for Counting<'_> {
    async fn record(&self, d: &[Decision]) -> StoreResult<()> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match self.inner {
            Some(s) => s.record(d).await,
            None => Ok(()),
        }
    }
    async fn for_record(
        &self,
        _: &AppId,
        _: ObjectKind,
        _: &[String],
        _: time::OffsetDateTime,
    ) -> StoreResult<Vec<Decision>> {
        Ok(Vec::new())
    }
}

fn lead(app: &AppId, n: u64, at: time::OffsetDateTime) -> Change {
    Change::upsert(
        app.clone(),
        ObjectKind::Lead,
        RecordRef::Jing(JingId::parse(&format!("L{n}")).unwrap()),
        at,
        [
            ("name".to_owned(), Value::text(format!("张{n}"))),
            ("company_id".to_owned(), Value::text("径硕科技")),
        ],
    )
}

async fn run(with_log: bool) -> (f64, u64) {
    let path = std::env::temp_dir().join(format!(
        "jingsf-decisions-{}-{with_log}.sqlite",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let store = LocalStore::open(&path).unwrap();
    let (sf, jing, clock) = (
        FakeSalesforce::new(),
        FakeJing::new(),
        FixedClock::default(),
    );
    let log = Counting {
        inner: with_log.then_some(&store),
        calls: AtomicU64::new(0),
    };
    let deps = Deps {
        bindings: &store,
        errors: &store,
        synced: &store,
        ledger: &store,
        decisions: &log,
        quota: &store,
        parked: &store,
        claims: &store,
        settings: &store,
        sf: &sf,
        jing: &jing,
        clock: &clock,
        staging: None,
    };
    let app = AppId::parse("bench").unwrap();
    let settings = AppSettings::new(app.clone(), "Bench", Environment::Production, "j", "59");
    let started = Instant::now();
    for round in 0..2 {
        for b in 0..BATCHES {
            let at = clock.now_at() + time::Duration::minutes(round);
            let changes = (0..PER_BATCH)
                .map(|i| lead(&app, b * PER_BATCH + i, at))
                .collect();
            apply(&deps, &settings, changes).await;
        }
    }
    let per_change = started.elapsed().as_secs_f64() * 1e6 / (2 * BATCHES * PER_BATCH) as f64;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    (per_change, log.calls.load(Ordering::Relaxed))
}

trait NowAt {
    fn now_at(&self) -> time::OffsetDateTime;
}
impl NowAt for FixedClock {
    fn now_at(&self) -> time::OffsetDateTime {
        app::ports::Clock::now(self)
    }
}

/// `decision_cost [with|without]` runs one mode once (for `valgrind --tool=callgrind`: the
/// difference of the two totals is the log's instructions); no argument: both, three times.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mode = std::env::args().nth(1);
    if let Some(mode) = mode {
        let (us, calls) = run(mode == "with").await;
        println!("{mode}: {us:.1} µs/change, {calls} log writes");
        return;
    }
    for _ in 0..3 {
        let (without, _) = run(false).await;
        let (with, calls) = run(true).await;
        println!(
            "{} changes in batches of {PER_BATCH}: {without:.1} µs/change without the log, {with:.1} with it ({:+.1}%), {calls} log writes",
            2 * BATCHES * PER_BATCH,
            (with / without - 1.0) * 100.0
        );
    }
}
