//! The poller's deletes when its cursor is old: getDeleted besides the changes query, and the
//! reconciliation of bound records when Salesforce has forgotten deletes (fakes).

use app::capture::{PollReport, poll};
use app::fake_remote::FakeSalesforce;
use app::fakes::{Fakes, FixedClock};
use app::ports::*;
use app::settings::{AppSettings, Environment};
use domain::{AppId, JingId, ObjectKind, Operation, RecordRef, SfId, Value};
use jingsf_app as app;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = FixedClock::DEFAULT_START;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

async fn setup(f: &Fakes) -> AppSettings {
    let s = AppSettings {
        revision: 1,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    f.settings.put(&s).await.unwrap();
    s
}

fn lead(name: &str) -> Fields {
    [
        ("LastName".to_string(), Value::text(name)),
        ("Company".to_string(), Value::text("X")),
    ]
    .into()
}

/// Leads created an hour before T0; the first `bound` of them bound to JING records.
async fn leads(f: &Fakes, sf: &FakeSalesforce, n: usize, bound: usize) -> Vec<SfId> {
    sf.set_now(T0 - Duration::hours(1));
    let ids: Vec<SfId> = (0..n)
        .map(|i| sf.insert("Lead", lead(&format!("L{i}"))))
        .collect();
    for (i, id) in ids.iter().take(bound).enumerate() {
        let jing = JingId::parse(&format!("j{i}")).unwrap();
        let b = Binding::new(app_id(), ObjectKind::Lead, id.clone(), jing, T0);
        f.bindings.put(&b, None).await.unwrap();
    }
    ids
}

/// Run the poller with both clocks (ours and the fake org's) at `at`.
async fn poll_at(
    f: &Fakes,
    sf: &FakeSalesforce,
    s: &AppSettings,
    at: OffsetDateTime,
) -> PollReport {
    f.clock.set(at);
    sf.set_now(at);
    poll(&f.poll_deps(sf), s).await.unwrap()
}

/// The Salesforce ids of the queued deletes (every other change is dropped).
async fn queued_deletes(f: &Fakes) -> BTreeSet<SfId> {
    let got = f
        .queue
        .receive(10_000, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
    f.queue.ack(&receipts).await.unwrap();
    got.into_iter()
        .filter(|d| d.change.op == Operation::Delete)
        .map(|d| match d.change.record {
            RecordRef::Salesforce(id) => id,
            other => panic!("a Salesforce delete names a Salesforce id: {other:?}"),
        })
        .collect()
}

async fn delete_cursor(f: &Fakes) -> OffsetDateTime {
    let raw = f
        .cursors
        .get(&app_id(), "poll-deleted:Lead")
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str::<PollCursor>(&raw).unwrap().modstamp
}

#[tokio::test]
async fn a_cursor_older_than_a_day_reads_deletes_through_get_deleted() {
    let f = Fakes::new();
    let s = setup(&f).await;
    let sf = FakeSalesforce::new();
    let ids = leads(&f, &sf, 3, 3).await;
    poll_at(&f, &sf, &s, T0).await; // places the cursors
    sf.set_now(T0 + Duration::hours(1));
    sf.human_delete(&ids[0]);
    let later = T0 + Duration::days(2) + Duration::seconds(30);
    let r = poll_at(&f, &sf, &s, later).await;
    assert_eq!((r.deletes, r.reconciled), (1, 0), "{r:?}");
    assert_eq!(queued_deletes(&f).await, BTreeSet::from([ids[0].clone()]));
    // getDeleted's latestDateCovered (a whole minute), not our run start, is the next start.
    assert_eq!(delete_cursor(&f).await, later - Duration::seconds(30));
    // The next run is recent again: queryAll, and nothing is queued twice.
    let r = poll_at(&f, &sf, &s, later + Duration::minutes(5)).await;
    assert_eq!((r.deletes, r.reconciled), (0, 0));
    assert_eq!(delete_cursor(&f).await, later + Duration::minutes(5));
}

#[tokio::test]
async fn forgotten_deletes_are_reconciled_for_exactly_the_bound_records_gone() {
    let f = Fakes::new();
    let s = setup(&f).await;
    let sf = FakeSalesforce::new();
    // Leads 0-3 bound; lead 4 is not.
    let ids = leads(&f, &sf, 5, 4).await;
    poll_at(&f, &sf, &s, T0).await;
    sf.set_now(T0 + Duration::hours(1));
    sf.human_delete(&ids[1]);
    sf.human_delete(&ids[4]);
    // The recycle bin is emptied: those two deletes are forgotten.
    sf.empty_recycle_bin(T0 + Duration::days(1));
    // A delete after the purge is still known to getDeleted.
    sf.set_now(T0 + Duration::days(1) + Duration::hours(1));
    sf.human_delete(&ids[2]);
    let calls = sf.calls_made();
    let r = poll_at(&f, &sf, &s, T0 + Duration::days(2)).await;
    assert_eq!(r.deletes, 1, "getDeleted still knows lead 2: {r:?}");
    assert_eq!(
        r.reconciled, 1,
        "lead 1 found gone; lead 2 was already queued"
    );
    assert_eq!(
        queued_deletes(&f).await,
        BTreeSet::from([ids[1].clone(), ids[2].clone()]),
        "bound and gone only: lead 4 was never bound, leads 0 and 3 exist"
    );
    // Both objects' changes in one composite call, getDeleted per object, and for Leads one
    // existence check of their four bindings (Accounts have none to check, so no call).
    let made = sf.calls_made() - calls;
    assert_eq!(made, 1 + 2 + 1, "{made} calls");
}

#[tokio::test]
async fn a_poller_down_longer_than_fifteen_days_reconciles_instead_of_failing() {
    let f = Fakes::new();
    let s = setup(&f).await;
    let sf = FakeSalesforce::new();
    let ids = leads(&f, &sf, 3, 3).await;
    poll_at(&f, &sf, &s, T0).await;
    sf.set_now(T0 + Duration::days(1));
    sf.human_delete(&ids[2]);
    // Twenty days later the delete is beyond getDeleted's 15-day reach.
    let r = poll_at(&f, &sf, &s, T0 + Duration::days(20)).await;
    assert_eq!((r.deletes, r.reconciled), (0, 1), "{r:?}");
    assert_eq!(queued_deletes(&f).await, BTreeSet::from([ids[2].clone()]));
}

#[tokio::test]
async fn a_refused_get_deleted_window_reconciles_instead_of_failing_every_run() {
    let f = Fakes::new();
    let s = setup(&f).await;
    let sf = FakeSalesforce::new();
    let ids = leads(&f, &sf, 3, 3).await;
    poll_at(&f, &sf, &s, T0).await;
    sf.set_now(T0 + Duration::days(1));
    sf.human_delete(&ids[0]);
    // Twenty days later, our clock runs 20 minutes behind the org's: the window we ask for
    // starts more than 15 days back by the org's clock, and getDeleted refuses it.
    let ours = T0 + Duration::days(20);
    f.clock.set(ours);
    sf.set_now(ours + Duration::minutes(20));
    let r = poll(&f.poll_deps(&sf), &s)
        .await
        .expect("the poll does not fail");
    assert_eq!((r.deletes, r.reconciled), (0, 1), "{r:?}");
    assert_eq!(queued_deletes(&f).await, BTreeSet::from([ids[0].clone()]));
    assert_eq!(
        delete_cursor(&f).await,
        ours,
        "the next run starts from here"
    );
}

#[tokio::test]
async fn the_fake_get_deleted_follows_salesforce_rules() {
    let sf = FakeSalesforce::new();
    let now = T0 + Duration::days(3);
    sf.set_now(T0);
    let id = sf.insert("Lead", lead("x"));
    sf.set_now(T0 + Duration::seconds(40));
    sf.human_delete(&id);
    sf.set_now(now);
    let a = sf
        .deleted_ids("Lead", T0 + Duration::seconds(59), now + Duration::hours(1))
        .await
        .unwrap();
    // Seconds are ignored: the window starts at T0's minute and covers up to now.
    assert_eq!(
        a.ids_with_dates,
        vec![(id.clone(), T0 + Duration::seconds(40))]
    );
    assert_eq!(a.latest_covered, now);
    assert_eq!(a.earliest_available, Some(now - Duration::days(15)));
    let same_minute = sf
        .deleted_ids(
            "Lead",
            T0 + Duration::seconds(1),
            T0 + Duration::seconds(50),
        )
        .await
        .unwrap_err();
    assert!(same_minute.0.detail.contains("INVALID_REPLICATION_DATE"));
    let too_old = sf
        .deleted_ids("Lead", now - Duration::days(16), now)
        .await
        .unwrap_err();
    assert!(too_old.0.detail.contains("15 days"));
    assert_eq!(
        sf.existing_ids("Lead", std::slice::from_ref(&id))
            .await
            .unwrap(),
        Vec::<SfId>::new()
    );
}
