//! Initialization over Bulk API 2.0 on the fakes: objects above the threshold use one Bulk job,
//! a restart continues from the saved locator, failed or purged jobs are replaced, and jobs that
//! keep failing fall back to REST pages.

use app::fake_remote::{FakeJing, FakeSalesforce};
use app::fakes::{Fakes, FixedClock};
use app::init::{self, InitDeps};
use app::ports::*;
use app::settings::{AppSettings, Environment, InitState};
use domain::{AppId, RecordRef, Value};
use jingsf_app as app;
use std::collections::HashSet;
use time::Duration;

const LEADS: usize = 21_000;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

/// An app whose objects go over Bulk above `threshold` records, and a fake org with `LEADS` leads.
async fn setup(f: &Fakes, threshold: u64) -> (FakeSalesforce, FakeJing) {
    let s = AppSettings {
        revision: 1,
        init_bulk_threshold: threshold,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    f.settings.put(&s).await.unwrap();
    let sf = FakeSalesforce::new();
    sf.set_now(FixedClock::DEFAULT_START - Duration::days(30));
    for i in 0..LEADS {
        sf.insert(
            "Lead",
            [
                ("LastName".to_string(), Value::text(format!("L{i}"))),
                ("Company".to_string(), Value::text("X")),
            ]
            .into(),
        );
    }
    (sf, FakeJing::new())
}

fn deps<'a>(f: &'a Fakes, sf: &'a FakeSalesforce, jing: &'a FakeJing) -> InitDeps<'a> {
    InitDeps {
        sf,
        jing,
        queue: &f.queue,
        cursors: &f.cursors,
        settings: &f.settings,
        clock: &f.clock,
        writer: None,
    }
}

async fn start(deps: &InitDeps<'_>) -> InitState {
    let window = FixedClock::DEFAULT_START - Duration::days(365);
    init::start(deps, &app_id(), window, false).await.unwrap()
}

/// Step until done (bounded); returns the final state and the steps taken.
async fn run(deps: &InitDeps<'_>) -> (InitState, u32) {
    for n in 1..=100 {
        let state = init::step(deps, &app_id()).await.unwrap();
        if matches!(state, InitState::Done { .. }) {
            return (state, n);
        }
    }
    panic!("initialization did not finish in 100 steps");
}

/// Every queued Salesforce record id (with repeats).
async fn drain(f: &Fakes) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let got = f
            .queue
            .receive(10_000, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        if got.is_empty() {
            return out;
        }
        let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
        f.queue.ack(&receipts).await.unwrap();
        out.extend(got.into_iter().map(|d| match d.change.record {
            RecordRef::Salesforce(id) => id.to_string(),
            other => panic!("unexpected {other:?}"),
        }));
    }
}

fn distinct(ids: &[String]) -> usize {
    ids.iter().collect::<HashSet<_>>().len()
}

async fn saved_progress(f: &Fakes) -> serde_json::Value {
    let raw = f.cursors.get(&app_id(), "init").await.unwrap().unwrap();
    serde_json::from_str(&raw).unwrap()
}

#[tokio::test]
async fn above_the_threshold_one_bulk_job_reads_everything_in_few_calls() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    let before = sf.calls_made();
    let (state, _) = run(&d).await;
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(sf.bulk_jobs_started(), 1);
    let ids = drain(&f).await;
    assert_eq!(
        (ids.len(), distinct(&ids)),
        (LEADS, LEADS),
        "every lead once"
    );
    // Accounts (none): one REST page. Leads: start + 2 status calls + 3 pages of 10,000.
    assert_eq!(sf.calls_made() - before, 1 + 1 + 2 + 3);
}

#[tokio::test]
async fn at_or_below_the_threshold_rest_pages_are_used() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, LEADS as u64).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    let before = sf.calls_made();
    let (state, _) = run(&d).await;
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(sf.bulk_jobs_started(), 0);
    // Accounts: one page; leads: 11 pages of 2,000 (the last one short).
    assert_eq!(sf.calls_made() - before, 1 + 11);
    assert_eq!(distinct(&drain(&f).await), LEADS);
}

#[tokio::test]
async fn a_restart_continues_at_the_saved_locator_without_loss_or_repeats() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let first = deps(&f, &sf, &jing);
    start(&first).await;
    let mut state = InitState::NotStarted;
    while !matches!(state, InitState::Running { done, .. } if done > 0) {
        state = init::step(&first, &app_id()).await.unwrap();
    }
    assert_eq!(
        state,
        InitState::Running {
            done: 10_000,
            total: LEADS as u64
        }
    );
    let saved = saved_progress(&f).await;
    assert_eq!(saved["bulk"]["locator"], "10000", "{saved}");
    let job = saved["bulk"]["job_id"].clone();
    // "Crash": new dependencies over the same stores continue the same job.
    let second = deps(&f, &sf, &jing);
    let calls = sf.calls_made();
    let (state, _) = run(&second).await;
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(sf.bulk_jobs_started(), 1, "job {job} was continued");
    assert_eq!(sf.calls_made() - calls, 2, "two more pages, no status call");
    let ids = drain(&f).await;
    assert_eq!((ids.len(), distinct(&ids)), (LEADS, LEADS));
}

#[tokio::test]
async fn a_failed_job_is_replaced_by_a_new_one() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    init::step(&d, &app_id()).await.unwrap(); // accounts
    init::step(&d, &app_id()).await.unwrap(); // lead job started
    sf.fail_bulk_jobs("InternalServerError");
    let (state, _) = run(&d).await;
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(sf.bulk_jobs_started(), 2);
    let ids = drain(&f).await;
    assert_eq!((ids.len(), distinct(&ids)), (LEADS, LEADS));
}

#[tokio::test]
async fn purged_results_start_a_new_job_and_done_counts_each_record_once() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    let mut state = InitState::NotStarted;
    while !matches!(state, InitState::Running { done, .. } if done > 0) {
        state = init::step(&d, &app_id()).await.unwrap();
    }
    sf.purge_bulk_jobs();
    let (state, _) = run(&d).await;
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(sf.bulk_jobs_started(), 2);
    let ids = drain(&f).await;
    assert_eq!(distinct(&ids), LEADS, "nothing lost");
    assert_eq!(ids.len(), LEADS + 10_000, "the first page was sent again");
}

#[tokio::test]
async fn jobs_that_keep_failing_fall_back_to_rest_pages() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    let mut state = InitState::NotStarted;
    for _ in 0..100 {
        sf.fail_bulk_jobs("InternalServerError");
        state = init::step(&d, &app_id()).await.unwrap();
        if matches!(state, InitState::Done { .. }) {
            break;
        }
    }
    assert_eq!(
        state,
        InitState::Done {
            records: LEADS as u64
        }
    );
    assert_eq!(
        sf.bulk_jobs_started(),
        u64::from(1 + init::MAX_BULK_RESTARTS)
    );
    let ids = drain(&f).await;
    assert_eq!((ids.len(), distinct(&ids)), (LEADS, LEADS));
}

#[tokio::test]
async fn step_reports_say_when_to_wait_for_a_running_job() {
    let f = Fakes::new();
    let (sf, jing) = setup(&f, 1_000).await;
    let d = deps(&f, &sf, &jing);
    start(&d).await;
    let mut waits = Vec::new();
    loop {
        let report = init::step_report(&d, &app_id()).await.unwrap();
        waits.push(report.waiting_for_bulk_job);
        if matches!(report.state, InitState::Done { .. }) {
            break;
        }
    }
    // Accounts over REST; job started; status InProgress; complete + pages; JING stages.
    assert_eq!(
        waits,
        [false, true, true, false, false, false, false, false]
    );
}
