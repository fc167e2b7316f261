//! Connect (PKCE, wrong state, wrong org, sandbox refresh), the poller (equal timestamps,
//! deletes, echoes), outbound/webhook intake (duplicates) and initialization (resume) on fakes.

use app::capture::{PushDeps, PushedNotification, ingest_outbound, poll};
use app::connect::{self, ConnectDeps, ConnectError};
use app::fake_remote::{FakeAuth, FakeJing, FakeSalesforce};
use app::fakes::{Fakes, FixedClock};
use app::init::{self, InitDeps};
use app::ports::*;
use app::settings::{AppSettings, Environment, InitState};
use domain::{AppId, ErrorCode, Lane, ObjectKind, Operation, SfId, Value};
use jingsf_app as app;
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use time::Duration;

const ORG: &str = "00D5g000004ABCD";

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

fn cdeps<'a>(f: &'a Fakes, auth: &'a FakeAuth) -> ConnectDeps<'a> {
    ConnectDeps {
        auth,
        settings: &f.settings,
        vault: &f.vault,
        cursors: &f.cursors,
        bindings: &f.bindings,
        clock: &f.clock,
    }
}

fn state_of(url: &str) -> String {
    url.split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn connect_with_pkce_stores_tokens_in_the_vault_and_the_account_on_the_app() {
    let f = Fakes::new();
    setup(&f).await;
    let auth = FakeAuth::new(ORG);
    let url = connect::start(&cdeps(&f, &auth), &app_id(), None)
        .await
        .unwrap();
    assert!(
        url.starts_with("https://login.salesforce.com/services/oauth2/authorize?"),
        "{url}"
    );
    assert!(url.contains("code_challenge_method=S256"));
    let account = connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE)
        .await
        .unwrap();
    assert_eq!(account.org_id.id15(), ORG);
    let rt = f
        .vault
        .get(&app_id(), SecretKind::SfRefreshToken)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rt.expose_secret(), "5Aepfake-refresh");
    let saved = f.settings.get(&app_id()).await.unwrap().unwrap();
    assert_eq!(
        saved.authorized.unwrap().username,
        "integration@acme.example"
    );
    let json = serde_json::to_string(&f.settings.get(&app_id()).await.unwrap()).unwrap();
    assert!(
        !json.contains("5Aepfake") && !json.contains("00Dfake!"),
        "no secret in settings"
    );
    // The state is single use.
    let again = connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE).await;
    assert_eq!(again, Err(ConnectError::BadState));
}

#[tokio::test]
async fn a_wrong_or_expired_state_is_refused() {
    let f = Fakes::new();
    setup(&f).await;
    let auth = FakeAuth::new(ORG);
    let url = connect::start(&cdeps(&f, &auth), &app_id(), None)
        .await
        .unwrap();
    let forged = format!("acme.{}", "A".repeat(43));
    assert_eq!(
        connect::finish(&cdeps(&f, &auth), &forged, FakeAuth::CODE).await,
        Err(ConnectError::BadState)
    );
    let url2 = connect::start(&cdeps(&f, &auth), &app_id(), None)
        .await
        .unwrap();
    assert_ne!(state_of(&url), state_of(&url2));
    f.clock.advance(std::time::Duration::from_secs(660));
    assert_eq!(
        connect::finish(&cdeps(&f, &auth), &state_of(&url2), FakeAuth::CODE).await,
        Err(ConnectError::BadState)
    );
}

#[tokio::test]
async fn a_different_org_is_refused_unless_the_environment_is_switched() {
    let f = Fakes::new();
    setup(&f).await;
    let auth = FakeAuth::new(ORG);
    let url = connect::start(&cdeps(&f, &auth), &app_id(), None)
        .await
        .unwrap();
    connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE)
        .await
        .unwrap();
    *auth.org.lock().unwrap() = SfId::parse("00D000000000OTH").unwrap();
    let url = connect::start(&cdeps(&f, &auth), &app_id(), None)
        .await
        .unwrap();
    let r = connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE).await;
    assert!(matches!(r, Err(ConnectError::DifferentOrg { .. })), "{r:?}");
    assert_eq!(
        auth.revoked.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "refused tokens are revoked"
    );
    let url = connect::start(&cdeps(&f, &auth), &app_id(), Some(Environment::Sandbox))
        .await
        .unwrap();
    assert!(url.starts_with("https://test.salesforce.com/"));
    let acc = connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE)
        .await
        .unwrap();
    assert_eq!(acc.org_id.id15(), "00D000000000OTH");
}

#[tokio::test]
async fn a_sandbox_refresh_pauses_the_app_with_a_clear_error() {
    let f = Fakes::new();
    setup(&f).await;
    let auth = FakeAuth::new(ORG);
    let url = connect::start(&cdeps(&f, &auth), &app_id(), Some(Environment::Sandbox))
        .await
        .unwrap();
    connect::finish(&cdeps(&f, &auth), &state_of(&url), FakeAuth::CODE)
        .await
        .unwrap();
    let refreshed = SfId::parse("00D000000000NEW").unwrap();
    assert!(
        connect::check_org(&f.settings, &app_id(), &refreshed)
            .await
            .unwrap()
    );
    let s = f.settings.get(&app_id()).await.unwrap().unwrap();
    assert!(!s.paused.is_empty());
    assert!(
        s.paused
            .iter()
            .all(|p| p.reason.code == ErrorCode::OrgChanged)
    );
    assert!(!s.direction_open(ObjectKind::Lead, domain::Direction::JingToSf));
    assert!(
        !connect::check_org(&f.settings, &app_id(), &SfId::parse(ORG).unwrap())
            .await
            .unwrap()
    );
}

async fn connected(f: &Fakes) -> AppSettings {
    let auth = FakeAuth::new(ORG);
    setup(f).await;
    let url = connect::start(&cdeps(f, &auth), &app_id(), None)
        .await
        .unwrap();
    connect::finish(&cdeps(f, &auth), &state_of(&url), FakeAuth::CODE)
        .await
        .unwrap();
    f.settings.get(&app_id()).await.unwrap().unwrap()
}

fn lead(name: &str) -> Fields {
    [
        ("LastName".to_string(), Value::text(name)),
        ("Company".to_string(), Value::text("X")),
    ]
    .into()
}

async fn drain(f: &Fakes) -> Vec<domain::Change> {
    let got = f
        .queue
        .receive(10_000, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
    f.queue.ack(&receipts).await.unwrap();
    got.into_iter().map(|d| d.change).collect()
}

#[tokio::test]
async fn the_poller_misses_no_record_with_equal_timestamps_and_sees_deletes_once() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    sf.set_now(FixedClock::DEFAULT_START - Duration::hours(1));
    // First run only places the cursor.
    assert_eq!(
        poll(&f.poll_deps(&sf), &settings).await.unwrap().enqueued,
        0
    );
    // Five leads changed in the same millisecond (equal SystemModstamp).
    sf.set_now(FixedClock::DEFAULT_START + Duration::seconds(30));
    let ids: Vec<SfId> = (0..5)
        .map(|i| sf.insert("Lead", lead(&format!("L{i}"))))
        .collect();
    f.clock.advance(std::time::Duration::from_secs(60));
    let r = poll(&f.poll_deps(&sf), &settings).await.unwrap();
    assert_eq!(r.enqueued, 5, "{r:?}");
    let changes = drain(&f).await;
    assert_eq!(changes.len(), 5);
    assert!(
        changes
            .iter()
            .all(|c| c.lane == Lane::Live && c.op == Operation::Upsert)
    );
    // The overlap window re-reads them, but nothing is queued twice.
    f.clock.advance(std::time::Duration::from_secs(30));
    let r = poll(&f.poll_deps(&sf), &settings).await.unwrap();
    assert_eq!(r.enqueued, 0);
    assert_eq!(r.already_seen, 5);
    // A delete is seen once.
    sf.human_delete(&ids[0]);
    f.clock.advance(std::time::Duration::from_secs(30));
    let r = poll(&f.poll_deps(&sf), &settings).await.unwrap();
    assert_eq!(r.deletes, 1);
    let changes = drain(&f).await;
    assert_eq!(
        changes.iter().filter(|c| c.op == Operation::Delete).count(),
        1
    );
    f.clock.advance(std::time::Duration::from_secs(30));
    assert_eq!(poll(&f.poll_deps(&sf), &settings).await.unwrap().deletes, 0);
}

/// A queue that fails while the poll sends: the versions it had claimed are given back, so the
/// next run (whose cursor did not move) queues them instead of skipping them as already seen.
#[tokio::test]
async fn a_failed_send_gives_the_poll_claims_back() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    sf.set_now(FixedClock::DEFAULT_START - Duration::hours(1));
    poll(&f.poll_deps(&sf), &settings).await.unwrap();
    sf.set_now(FixedClock::DEFAULT_START + Duration::seconds(30));
    sf.insert("Lead", lead("队列故障"));
    f.clock.advance(std::time::Duration::from_secs(60));
    let failing = jingsf_app::contract::failing::FailingQueue::on(f.queue.clone());
    failing.fail_sends(true);
    let deps = jingsf_app::capture::PollDeps {
        queue: &failing,
        ..f.poll_deps(&sf)
    };
    assert!(poll(&deps, &settings).await.is_err());
    f.clock.advance(std::time::Duration::from_secs(30));
    let r = poll(&f.poll_deps(&sf), &settings).await.unwrap();
    assert_eq!((r.enqueued, r.already_seen), (1, 0), "{r:?}");
    assert_eq!(drain(&f).await.len(), 1);
}

#[tokio::test]
async fn records_our_integration_user_wrote_come_back_as_integration_echoes() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    sf.set_now(FixedClock::DEFAULT_START - Duration::hours(1));
    poll(&f.poll_deps(&sf), &settings).await.unwrap();
    sf.set_now(FixedClock::DEFAULT_START);
    sf.create("Lead", &[lead("ours")]).await.unwrap();
    f.clock.advance(std::time::Duration::from_secs(60));
    poll(&f.poll_deps(&sf), &settings).await.unwrap();
    let changes = drain(&f).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].actor, domain::Actor::IntegrationSnapshot);
}

#[tokio::test]
async fn outbound_messages_are_checked_deduplicated_and_queued_before_the_ack() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let deps = PushDeps {
        queue: &f.queue,
        seen: &f.idempotency,
        clock: &f.clock,
    };
    let n = PushedNotification {
        notification_id: "04l5g00000AbCdEAAV".into(),
        sobject: "Lead".into(),
        id: SfId::parse("00Q5g00000XyZaB").unwrap(),
        fields: BTreeMap::from([
            ("LastName".to_string(), "Ng".to_string()),
            ("Email".to_string(), "ng@acme.example".to_string()),
            (
                "SystemModstamp".to_string(),
                "2024-05-01T08:17:00.000Z".to_string(),
            ),
        ]),
    };
    let org = SfId::parse(ORG).unwrap();
    let r = ingest_outbound(&deps, &settings, &org, vec![n.clone()])
        .await
        .unwrap();
    assert_eq!(r.enqueued, 1);
    let r = ingest_outbound(&deps, &settings, &org, vec![n.clone()])
        .await
        .unwrap();
    assert_eq!(
        (r.enqueued, r.duplicates),
        (0, 1),
        "a duplicate delivery enqueues nothing"
    );
    let changes = drain(&f).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].fields["Email"].after,
        Value::text("ng@acme.example")
    );
    let wrong = SfId::parse("00D000000000OTH").unwrap();
    assert!(matches!(
        ingest_outbound(&deps, &settings, &wrong, vec![n]).await,
        Err(app::capture::IngestError::WrongOrg { .. })
    ));
}

#[tokio::test]
async fn initialization_pages_both_sides_and_resumes_after_a_crash() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    let jing = FakeJing::new();
    sf.set_now(FixedClock::DEFAULT_START - Duration::days(30));
    for i in 0..(init::CHUNK + 500) {
        sf.insert("Lead", lead(&format!("L{i}")));
    }
    jing.set_now(FixedClock::DEFAULT_START - Duration::days(30));
    for i in 0..150 {
        jing.insert(
            "lead",
            [("name".to_string(), Value::text(format!("J{i}")))].into(),
        );
    }
    let deps = InitDeps {
        sf: &sf,
        jing: &jing,
        queue: &f.queue,
        cursors: &f.cursors,
        settings: &f.settings,
        clock: &f.clock,
        writer: None,
    };
    let too_old = FixedClock::DEFAULT_START - Duration::days(3 * 366);
    assert!(matches!(
        init::start(&deps, &app_id(), too_old, false).await,
        Err(init::InitError::Window(_))
    ));
    let state = init::start(
        &deps,
        &app_id(),
        FixedClock::DEFAULT_START - Duration::days(365),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        state,
        InitState::Running {
            done: 0,
            total: (init::CHUNK + 500) as u64
        }
    );
    assert!(
        f.settings.get(&app_id()).await.unwrap().unwrap().locked(),
        "configuration is locked"
    );
    let jing_cursor = app::capture::jing_cursor_key(ObjectKind::Lead);
    assert!(
        f.cursors
            .get(&app_id(), &jing_cursor)
            .await
            .unwrap()
            .is_some(),
        "changes made while it runs are the JING safety net's too"
    );
    // First chunk, then a "crash": a fresh deps value over the same stores resumes.
    init::step(&deps, &app_id()).await.unwrap();
    let deps2 = InitDeps { ..deps };
    let mut last = InitState::NotStarted;
    for _ in 0..10 {
        last = init::step(&deps2, &app_id()).await.unwrap();
        if matches!(last, InitState::Done { .. }) {
            break;
        }
    }
    assert_eq!(
        last,
        InitState::Done {
            records: (init::CHUNK + 500 + 150) as u64
        }
    );
    let changes = drain(&f).await;
    assert_eq!(
        changes.len(),
        init::CHUNK + 500 + 150,
        "every record exactly once"
    );
    assert!(changes.iter().all(|c| c.lane == Lane::Backfill));
    let _ = settings;
}
