//! Initialization through the real client against the strict simulator: the Bulk API 2.0 path
//! (objects above the threshold) yields exactly the `Change`s of the REST path, in fewer calls;
//! and the simulator refuses what Salesforce refuses on Bulk query jobs.

mod sim_support;

use app::fake_remote::FakeJing;
use app::fakes::Fakes;
use app::init::{self, InitDeps};
use app::ports::{BulkJobState, BulkPage, ChangeQueue, SalesforcePort, SettingsStore};
use app::settings::{AppSettings, Environment, InitState};
use domain::{AppId, Change, FieldType};
use serde_json::json;
use sim_support::*;
use time::OffsetDateTime;

const LEADS: usize = 12_000;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

/// Default mapping plus typed fields the CSV conversion must get right.
fn settings(threshold: u64) -> AppSettings {
    let mut s = AppSettings {
        revision: 1,
        init_bulk_threshold: threshold,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    let mapping = &mut s
        .objects
        .get_mut(&domain::ObjectKind::Lead)
        .unwrap()
        .mapping;
    let template = mapping[0].clone();
    for (field, ty) in [
        ("HasOptedOutOfEmail", FieldType::Boolean),
        ("NumberOfEmployees", FieldType::Number),
        ("AnnualRevenue", FieldType::Number),
        ("EmailBouncedDate", FieldType::DateTime),
    ] {
        let mut m = template.clone();
        m.sf_field = field.to_owned();
        m.sf_type = ty;
        mapping.push(m);
    }
    s
}

fn seed(c: &Connected, leads: usize) {
    for i in 0..leads {
        let mut lead = json!({"LastName": format!("L{i:05}"), "Company": "上海科技有限公司",
            "Email": format!("l{i}@acme.example"), "HasOptedOutOfEmail": i % 3 == 0});
        if i % 2 == 0 {
            lead["NumberOfEmployees"] = json!(i);
            lead["AnnualRevenue"] = json!(i as f64 * 1.5);
            lead["EmailBouncedDate"] = json!("2024-04-29T01:02:03.000+0000");
            lead["Title"] = json!("CEO, \"founder\"");
        }
        c.sim.human().create("Lead", lead).unwrap();
    }
}

struct Run {
    changes: Vec<Change>,
    /// Salesforce API calls after the start's COUNT()s, as the simulated org counted them.
    calls: u64,
    steps: u32,
    millis: u128,
}

/// An app's stores (fakes) holding its settings; JING has nothing to backfill.
async fn app_stores(threshold: u64) -> (Fakes, FakeJing) {
    let f = Fakes::new();
    f.clock.set(OffsetDateTime::now_utc());
    f.settings.put(&settings(threshold)).await.unwrap();
    (f, FakeJing::new())
}

fn deps<'a>(c: &'a Connected, f: &'a Fakes, jing: &'a FakeJing) -> InitDeps<'a> {
    InitDeps {
        sf: &c.client,
        jing,
        queue: &f.queue,
        cursors: &f.cursors,
        settings: &f.settings,
        clock: &f.clock,
        writer: None,
    }
}

async fn start(deps: &InitDeps<'_>) {
    let window = OffsetDateTime::now_utc() - time::Duration::days(30);
    init::start(deps, &app_id(), window, false).await.unwrap();
}

/// Step to the end; returns the steps taken.
async fn finish(deps: &InitDeps<'_>, leads: usize) -> u32 {
    let mut steps = 0;
    loop {
        steps += 1;
        if let InitState::Done { records } = init::step(deps, &app_id()).await.unwrap() {
            assert_eq!(records, leads as u64);
            return steps;
        }
        assert!(steps < 200, "did not finish");
    }
}

/// Everything queued, ordered by record.
async fn drain(f: &Fakes) -> Vec<Change> {
    let mut changes = Vec::new();
    loop {
        let got = f
            .queue
            .receive(10_000, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        if got.is_empty() {
            break;
        }
        let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
        f.queue.ack(&receipts).await.unwrap();
        changes.extend(got.into_iter().map(|d| d.change));
    }
    changes.sort_by_key(|c| format!("{:?}", c.record));
    changes
}

async fn backfill(c: &Connected, threshold: u64, leads: usize) -> Run {
    let (f, jing) = app_stores(threshold).await;
    let deps = deps(c, &f, &jing);
    start(&deps).await;
    let (before, started) = (c.sim.calls().total, std::time::Instant::now());
    let steps = finish(&deps, leads).await;
    let (calls, millis) = (c.sim.calls().total - before, started.elapsed().as_millis());
    Run {
        changes: drain(&f).await,
        calls,
        steps,
        millis,
    }
}

#[tokio::test]
async fn a_failed_job_on_salesforce_is_replaced_and_nothing_is_lost() {
    const FEW: usize = 2_500;
    let c = connect().await;
    seed(&c, FEW);
    let (f, jing) = app_stores(1_000).await;
    let deps = deps(&c, &f, &jing);
    start(&deps).await;
    while c.sim.calls().kind("bulk_query_create") == 0 {
        init::step(&deps, &app_id()).await.unwrap();
    }
    c.sim.faults().fail_bulk_jobs("InternalServerError");
    finish(&deps, FEW).await;
    assert_eq!(c.sim.calls().kind("bulk_query_create"), 2, "a new job");
    let changes = drain(&f).await;
    let distinct: std::collections::HashSet<_> = changes.iter().map(|c| &c.record).collect();
    assert_eq!((changes.len(), distinct.len()), (FEW, FEW));
}

#[tokio::test]
async fn a_bulk_backfill_yields_exactly_the_rest_backfill_in_fewer_calls() {
    let c = connect().await;
    seed(&c, LEADS);
    let rest = backfill(&c, u64::MAX, LEADS).await;
    let bulk = backfill(&c, 1_000, LEADS).await;
    assert_eq!(rest.changes.len(), LEADS);
    assert_eq!(bulk.changes.len(), LEADS);
    for (r, b) in rest.changes.iter().zip(&bulk.changes) {
        assert_eq!(r, b, "same record, same change");
    }
    let typed = &bulk.changes[0].fields;
    assert_eq!(typed["HasOptedOutOfEmail"].after, domain::Value::Bool(true));
    assert_eq!(typed["NumberOfEmployees"].after, domain::Value::Number(0.0));
    // Accounts (none): one REST page each time. REST leads: 6 full pages of 2,000 and an empty
    // one that says the end. Bulk leads: create the job, 2 status calls, the Lead describe
    // (cached after), 2 result pages of 10,000.
    assert_eq!(rest.calls, 1 + 7);
    assert_eq!(bulk.calls, 1 + 1 + 2 + 1 + 2);
    assert_eq!(c.sim.calls().kind("bulk_query_create"), 1);
    println!(
        "{LEADS} leads: REST {} calls, {} steps, {} ms; Bulk {} calls, {} steps, {} ms",
        rest.calls, rest.steps, rest.millis, bulk.calls, bulk.steps, bulk.millis
    );
}

#[tokio::test]
async fn above_the_default_threshold_bulk_takes_a_third_of_the_rest_calls() {
    const MANY: usize = 60_000;
    let c = connect_with(
        sf_sim::SimConfig {
            daily_api_limit: 1_000_000,
            ..Default::default()
        },
        fast(),
    )
    .await;
    seed(&c, MANY);
    let rest = backfill(&c, u64::MAX, MANY).await;
    let bulk = backfill(&c, app::settings::DEFAULT_INIT_BULK_THRESHOLD, MANY).await;
    assert_eq!(rest.changes.len(), MANY);
    assert!(rest.changes == bulk.changes, "the same changes either way");
    // REST: 30 full pages + the empty one; Bulk: job, 2 status calls, describe, 6 pages.
    assert_eq!((rest.calls, bulk.calls), (1 + 31, 1 + 1 + 2 + 1 + 6));
    println!(
        "{MANY} leads: REST {} calls, {} steps, {} ms; Bulk {} calls, {} steps, {} ms",
        rest.calls, rest.steps, rest.millis, bulk.calls, bulk.steps, bulk.millis
    );
}

#[tokio::test]
async fn the_bulk_port_pages_with_locators_and_reports_gone_jobs() {
    let c = connect().await;
    for i in 0..5 {
        c.sim
            .human()
            .create(
                "Lead",
                json!({"LastName": format!("B{i}"), "Company": "Acme"}),
            )
            .unwrap();
    }
    let port: &dyn SalesforcePort = &c.client;
    let job = port
        .bulk_start("Lead", &["LastName".into()], Some("LastName LIKE 'B%'"))
        .await
        .unwrap();
    assert!(job.job_id.starts_with("750"));
    assert_eq!(
        port.bulk_status(&job.job_id).await.unwrap(),
        BulkJobState::InProgress
    );
    assert_eq!(
        port.bulk_status(&job.job_id).await.unwrap(),
        BulkJobState::Complete { records: 5 }
    );
    let BulkPage::Records {
        records,
        next_locator: Some(locator),
    } = port.bulk_page("Lead", &job.job_id, None, 3).await.unwrap()
    else {
        panic!("a first page with a locator");
    };
    assert_eq!(records.collect_all().await.unwrap().len(), 3);
    let BulkPage::Records {
        records,
        next_locator: None,
    } = port
        .bulk_page("Lead", &job.job_id, Some(&locator), 3)
        .await
        .unwrap()
    else {
        panic!("the last page");
    };
    assert_eq!(records.collect_all().await.unwrap().len(), 2);
    assert!(matches!(
        port.bulk_page("Lead", &job.job_id, Some("bm90IGEgbG9jYXRvcg"), 3)
            .await
            .unwrap(),
        BulkPage::Expired(_)
    ));
    // Salesforce purges jobs 7 days after they end: the id is unknown from then on.
    c.client.bulk_delete(&job.job_id).await.unwrap();
    assert!(matches!(
        port.bulk_status(&job.job_id).await.unwrap(),
        BulkJobState::Failed(m) if m.contains("no longer exists")
    ));
    assert!(matches!(
        port.bulk_page("Lead", &job.job_id, None, 3).await.unwrap(),
        BulkPage::Expired(_)
    ));
}
