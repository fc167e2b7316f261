//! Initialization creates in Salesforce through Bulk API 2.0 ingest jobs, on the fakes: above
//! the threshold the writer stages JING leads and one job creates them (bound and recorded like
//! any create); a row a duplicate rule refused is written again through the live path and bound
//! to the existing lead; below the threshold everything goes through sObject Collections; a job
//! left open by a crash is aborted and its rows are sent again.

use app::fake_remote::{FakeJing, FakeSalesforce};
use app::fakes::Fakes;
use app::init;
use app::ports::*;
use app::settings::{AppSettings, DirectionRules, Environment, InitState};
use app::write::{self, ingest_job};
use domain::{AppId, Direction, ObjectKind, Value};
use jingsf_app as app;
use std::sync::Arc;
use std::time::Duration;
use time::Duration as TimeDuration;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

fn text(pairs: &[(&str, String)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::text(v.clone())))
        .collect()
}

fn jing_lead(i: usize) -> Fields {
    text(&[
        ("name", format!("线索{i}")),
        ("mobile", format!("137{i:08}")),
        ("email", format!("lead{i}@jing.example")),
        ("company_id", format!("公司{i}")),
    ])
}

struct World {
    f: Fakes,
    ports: Ports,
    sf: Arc<FakeSalesforce>,
    jing: Arc<FakeJing>,
}

/// JING holds `leads` leads; the Salesforce → JING lead direction is off (one-way).
async fn world(leads: usize, threshold: u64) -> World {
    let f = Fakes::new();
    let mut s = AppSettings {
        revision: 1,
        init_ingest_threshold: threshold,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    if let Some(lead) = s.objects.get_mut(&ObjectKind::Lead) {
        *lead.rules_mut(Direction::SfToJing) = DirectionRules::off();
    }
    f.settings.put(&s).await.unwrap();
    let (sf, jing) = (Arc::new(FakeSalesforce::new()), Arc::new(FakeJing::new()));
    let start = app::fakes::FixedClock::DEFAULT_START - TimeDuration::days(2);
    for i in 0..leads {
        // Each lead edited a second before the previous one: read (oldest first) against the
        // order of their ids, as real ids (random short uuids) would be.
        jing.set_now(start - TimeDuration::seconds(i as i64));
        jing.insert("lead", jing_lead(i));
    }
    let ports = f.ports();
    World { f, ports, sf, jing }
}

impl World {
    fn clients(&self) -> AppClients {
        AppClients {
            sf: self.sf.clone(),
            jing: self.jing.clone(),
        }
    }

    /// Initialize to the end, the writer draining the queue after every step; the steps taken.
    async fn initialize(&self) -> u32 {
        let clients = self.clients();
        let deps = self.ports.init_deps(&clients);
        start(&deps).await;
        for steps in 1..=100 {
            let state = init::step(&deps, &app_id()).await.unwrap();
            self.drain(&clients).await;
            if matches!(state, InitState::Done { .. }) {
                return steps;
            }
        }
        panic!("initialization did not finish in 100 steps");
    }

    async fn drain(&self, clients: &AppClients) {
        let writer = self.ports.writer_deps(clients);
        loop {
            let got = self
                .f
                .queue
                .receive(1000, Duration::from_secs(60))
                .await
                .unwrap();
            if got.is_empty() {
                return;
            }
            let settings = self.f.settings.get(&app_id()).await.unwrap().unwrap();
            let changes = got.iter().map(|d| d.change.clone()).collect();
            let report = write::apply(&writer, &settings, changes).await;
            for (d, outcome) in got.iter().zip(&report.outcomes) {
                match outcome {
                    write::Outcome::Retry(_) => {
                        self.f.queue.nack(&d.receipt, Duration::ZERO).await.unwrap()
                    }
                    _ => self
                        .f
                        .queue
                        .ack(std::slice::from_ref(&d.receipt))
                        .await
                        .unwrap(),
                }
            }
        }
    }

    async fn bound(&self) -> u64 {
        self.f
            .bindings
            .count(&app_id(), ObjectKind::Lead)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn above_the_threshold_one_ingest_job_creates_and_binds_every_lead() {
    let w = world(2_500, 2_000).await;
    // Salesforce already holds lead 7 (same e-mail): its duplicate rule refuses the job's row.
    let existing = w.sf.insert(
        "Lead",
        text(&[
            ("LastName", "旧".into()),
            ("Company", "旧公司".into()),
            ("Email", "lead7@jing.example".into()),
        ]),
    );
    w.initialize().await;
    assert_eq!(
        w.sf.ingest_jobs_started(),
        1,
        "one job for the whole initialization"
    );
    assert_eq!(
        w.sf.count("Lead"),
        2_500,
        "2,499 created, lead 7 bound to the existing one"
    );
    assert_eq!(w.bound().await, 2_500);
    let b =
        w.f.bindings
            .by_sf(&app_id(), ObjectKind::Lead, &existing)
            .await
            .unwrap();
    assert!(
        b.is_some(),
        "the duplicate was bound to the lead Salesforce had"
    );
    let errors =
        w.f.errors
            .list(&app_id(), &ListQuery::default())
            .await
            .unwrap();
    assert_eq!(errors.total, 0, "{:?}", errors.items);
    let synced =
        w.f.sync_log
            .list(&app_id(), &ListQuery::default())
            .await
            .unwrap();
    assert_eq!(synced.total, 2_500, "every lead in the success list");
    // The job uploaded its rows in JING-id order, so Salesforce numbered the leads in that
    // order: the commit wrote both ids' indexes in key order.
    let bindings =
        w.f.bindings
            .list(&app_id(), ObjectKind::Lead, None, 10_000)
            .await
            .unwrap();
    let jing_ids: Vec<String> = bindings
        .iter()
        .filter(|b| b.sf_id != existing)
        .map(|b| b.jing_id.to_string())
        .collect();
    assert_eq!(jing_ids.len(), 2_499);
    assert!(
        jing_ids.windows(2).all(|w| w[0] < w[1]),
        "created in JING-id order"
    );
    // One decision per lead, the job's: staging a create is not logged, its commit is.
    let decisions = w.f.decisions.all();
    assert_eq!(decisions.len(), 2_500);
    let ops: std::collections::BTreeSet<String> = decisions
        .iter()
        .map(|d| match &d.verdict {
            app::ports::Verdict::Synced { op, .. } => format!("{op:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(ops, ["Bound", "Created"].map(String::from).into());
    // open + upload + close + two states + successful and failed results, then the duplicate
    // through collections (create answered by the rule, then the update of the existing lead),
    // the describe, and the counts and pages of the Salesforce account stage.
    let calls = w.sf.calls_made();
    assert!(calls <= 12, "{calls} Salesforce calls");
    let staged =
        w.f.staging
            .waiting(&app_id(), ObjectKind::Lead)
            .await
            .unwrap();
    assert_eq!(staged, 0, "nothing left staged");
}

#[tokio::test]
async fn rows_committed_by_a_pass_that_died_before_removing_them_are_not_retried_for_ever() {
    let w = world(2_500, 2_000).await;
    // The first page's bindings, journal and success list are written, then removing its
    // rows fails, as when the process dies between the two.
    w.f.staging.fail_removes(1);
    let clients = w.clients();
    let deps = w.ports.init_deps(&clients);
    start(&deps).await;
    let mut failed_steps = 0;
    let mut done = false;
    for _ in 0..100 {
        match init::step(&deps, &app_id()).await {
            Ok(InitState::Done { .. }) => {
                done = true;
                break;
            }
            Ok(_) => {}
            Err(_) => failed_steps += 1,
        }
        w.drain(&clients).await;
    }
    assert!(done, "the initialization ends");
    assert_eq!(failed_steps, 1, "the step that could not remove its rows");
    assert_eq!(w.sf.count("Lead"), 2_500, "nothing created twice");
    assert_eq!(w.bound().await, 2_500);
    let staging = &w.f.staging;
    assert_eq!(
        staging.waiting(&app_id(), ObjectKind::Lead).await.unwrap(),
        0
    );
    assert!(
        staging
            .jobs(&app_id(), ObjectKind::Lead)
            .await
            .unwrap()
            .is_empty(),
        "no row left in the job (it would hold its record's later changes)"
    );
    let errors = w.f.errors.list(&app_id(), &ListQuery::default()).await;
    assert_eq!(errors.unwrap().total, 0);
    let failed =
        w.f.decisions
            .all()
            .into_iter()
            .filter(|d| !matches!(d.verdict, app::ports::Verdict::Synced { .. }));
    assert_eq!(
        failed.count(),
        0,
        "the recommitted rows are logged as created"
    );
}

#[tokio::test]
async fn below_the_threshold_creates_go_through_collections() {
    let w = world(1_500, 2_000).await;
    w.initialize().await;
    assert_eq!(w.sf.ingest_jobs_started(), 0);
    assert_eq!(w.sf.count("Lead"), 1_500);
    assert_eq!(w.bound().await, 1_500);
}

#[tokio::test]
async fn a_job_left_open_by_a_crash_is_aborted_and_its_rows_sent_again() {
    let w = world(0, 10).await;
    let clients = w.clients();
    let deps = w.ports.init_deps(&clients);
    start(&deps).await;
    // The writer stages 20 creates while initialization runs.
    let settings = w.f.settings.get(&app_id()).await.unwrap().unwrap();
    let changes: Vec<domain::Change> = (0..20)
        .map(|i| {
            let id = w.jing.insert("lead", jing_lead(i));
            let mut c = domain::Change::upsert(
                app_id(),
                ObjectKind::Lead,
                domain::RecordRef::Jing(id),
                app::fakes::FixedClock::DEFAULT_START,
                jing_lead(i).into_iter(),
            );
            c.lane = domain::Lane::Backfill;
            c
        })
        .collect();
    let writer = w.ports.writer_deps(&clients);
    let report = write::apply(&writer, &settings, changes).await;
    assert_eq!(report.counts.staged, 20);
    // A job was created and given the rows, then the process died before the upload.
    let job =
        w.sf.ingest_open("Lead", &IngestOp::Insert)
            .await
            .unwrap()
            .job_id;
    w.f.staging
        .assign(&app_id(), ObjectKind::Lead, &job, 100)
        .await
        .unwrap();
    let mut done = false;
    for _ in 0..5 {
        let p = ingest_job::step(&writer, &w.f.queue, &settings, ObjectKind::Lead, true)
            .await
            .unwrap();
        if p.finished {
            done = true;
            break;
        }
    }
    assert!(done, "the ingest finished");
    assert_eq!(
        w.sf.ingest_jobs_started(),
        2,
        "the open job and its replacement"
    );
    assert_eq!(w.sf.count("Lead"), 20, "each lead created once");
    assert_eq!(w.bound().await, 20);
}

#[tokio::test]
async fn a_job_salesforce_purged_before_its_results_were_read_does_not_hold_the_initialization() {
    let w = world(2_500, 2_000).await;
    let clients = w.clients();
    let deps = w.ports.init_deps(&clients);
    start(&deps).await;
    // Step until the ingest job is sent, then let it run and be purged (an initialization
    // paused for more than a week): its results are gone, what it created stays.
    let mut steps = 0;
    while w.sf.ingest_jobs_started() == 0 {
        init::step(&deps, &app_id()).await.unwrap();
        w.drain(&clients).await;
        steps += 1;
        assert!(steps < 50, "no ingest job was started");
    }
    let jobs = w.f.staging.jobs(&app_id(), ObjectKind::Lead).await.unwrap();
    assert_eq!(jobs.len(), 1, "the staged rows are in the job");
    w.sf.purge_ingest_job(&jobs[0]);
    let mut done = false;
    for _ in 0..50 {
        let state = init::step(&deps, &app_id()).await.unwrap();
        w.drain(&clients).await;
        if matches!(state, InitState::Done { .. }) {
            done = true;
            break;
        }
    }
    assert!(done, "the initialization finished");
    let left = w.f.staging.jobs(&app_id(), ObjectKind::Lead).await.unwrap();
    assert!(left.is_empty(), "no row left in the purged job: {left:?}");
    assert_eq!(
        w.f.staging
            .waiting(&app_id(), ObjectKind::Lead)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.sf.count("Lead"),
        2_500,
        "each lead created once: the live path bound what the purged job had created"
    );
    assert_eq!(w.bound().await, 2_500);
}

/// Start an initialization of the last year's records.
async fn start(deps: &init::InitDeps<'_>) {
    let window = app::fakes::FixedClock::DEFAULT_START - TimeDuration::days(365);
    init::start(deps, &app_id(), window, false).await.unwrap();
}

/// The initialization's stage, read back from its saved progress (`init` cursor).
async fn stage_of(w: &World) -> String {
    let raw = w.f.cursors.get(&app_id(), "init").await.unwrap().unwrap();
    let p: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let i = p["stage"].as_u64().unwrap() as usize;
    p["stages"]
        .get(i)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_create_staged_after_its_objects_ingest_stage_closed_is_still_written() {
    let w = world(30, 10).await;
    let clients = w.clients();
    let deps = w.ports.init_deps(&clients);
    start(&deps).await;
    for steps in 0.. {
        let state = init::step(&deps, &app_id()).await.unwrap();
        w.drain(&clients).await;
        assert!(matches!(state, InitState::Running { .. }), "{state:?}");
        if stage_of(&w).await.to_lowercase().contains("lead") {
            break;
        }
        assert!(steps < 50, "the lead stages never came");
    }
    // The accounts' ingest stage is over; a straggling backfill change of an account (still
    // queued when the stage closed) reaches the writer now and is staged.
    let fields = text(&[("company_id", "迟到的公司".to_owned())]);
    let id = w.jing.insert("account", fields.clone());
    let mut change = domain::Change::upsert(
        app_id(),
        ObjectKind::Account,
        domain::RecordRef::Jing(id),
        app::fakes::FixedClock::DEFAULT_START,
        fields.into_iter(),
    );
    change.lane = domain::Lane::Backfill;
    let settings = w.f.settings.get(&app_id()).await.unwrap().unwrap();
    let report = write::apply(&w.ports.writer_deps(&clients), &settings, vec![change]).await;
    assert_eq!(report.counts.staged, 1);
    let mut done = false;
    for _ in 0..50 {
        let state = init::step(&deps, &app_id()).await.unwrap();
        w.drain(&clients).await;
        if matches!(state, InitState::Done { .. }) {
            done = true;
            break;
        }
    }
    assert!(done, "the initialization finished");
    let app = app_id();
    let staged = w.f.staging.waiting(&app, ObjectKind::Account);
    assert_eq!(staged.await.unwrap(), 0, "nothing left staged");
    assert_eq!(w.sf.count("Account"), 1, "the account was created");
    assert_eq!(w.sf.count("Lead"), 30);
}

#[tokio::test]
async fn no_partial_job_is_cut_while_the_writer_still_stages_the_backlog() {
    let w = world(30, 10).await;
    let clients = w.clients();
    let deps = w.ports.init_deps(&clients);
    start(&deps).await;
    // Read everything without the writer: the leads' backfill waits in the queue.
    for steps in 0.. {
        let stage = stage_of(&w).await.to_lowercase();
        if stage.contains("ingest") && stage.contains("lead") {
            break;
        }
        let state = init::step(&deps, &app_id()).await.unwrap();
        assert!(matches!(state, InitState::Running { .. }), "{state:?}");
        assert!(steps < 50, "the leads' ingest stage never came");
    }
    let (app, lead) = (app_id(), ObjectKind::Lead);
    let jobs = || async { w.f.staging.jobs(&app, lead).await.unwrap().len() };
    // The writer is slow: a third of the backlog is staged per step, each step long after the
    // stage began (the queue never empty when a step looks).
    let writer = w.ports.writer_deps(&clients);
    for _ in 0..2 {
        let got =
            w.f.queue
                .receive(10, Duration::from_secs(60))
                .await
                .unwrap();
        let settings = w.f.settings.get(&app).await.unwrap().unwrap();
        let changes = got.iter().map(|d| d.change.clone()).collect();
        let report = write::apply(&writer, &settings, changes).await;
        assert_eq!(report.counts.staged, 10);
        let receipts: Vec<_> = got.iter().map(|d| d.receipt.clone()).collect();
        w.f.queue.ack(&receipts).await.unwrap();
        w.f.clock.advance(Duration::from_secs(180));
        init::step(&deps, &app).await.unwrap();
        assert_eq!(jobs().await, 0, "no job while rows keep arriving");
    }
    // The rest arrives; the queue is empty at the next step: one job takes all 30.
    w.drain(&clients).await;
    init::step(&deps, &app).await.unwrap();
    assert_eq!(jobs().await, 1);
    assert_eq!(w.f.staging.waiting(&app, lead).await.unwrap(), 0);
    let mut done = false;
    for _ in 0..50 {
        let state = init::step(&deps, &app).await.unwrap();
        w.drain(&clients).await;
        if matches!(state, InitState::Done { .. }) {
            done = true;
            break;
        }
    }
    assert!(done, "the initialization finished");
    assert_eq!(w.sf.count("Lead"), 30);
    assert_eq!(
        w.sf.ingest_jobs_started(),
        1,
        "one job for the whole backlog"
    );
}
