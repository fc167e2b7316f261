//! Verify mode of outbound messages: the message names the records, Salesforce says their
//! values. A forged message (right org, made-up values or ids) queues only what Salesforce
//! holds, with one query per message and object.

use app::capture::verify::ingest_outbound_verified;
use app::capture::{IngestError, PushDeps, PushedNotification};
use app::connect::{self, ConnectDeps};
use app::fake_remote::{FakeAuth, FakeSalesforce};
use app::fakes::Fakes;
use app::ports::*;
use app::settings::{AppSettings, Environment};
use domain::{Actor, AppId, Change, Operation, SfId, SyncError, Value};
use jingsf_app as app;
use std::collections::BTreeMap;

const ORG: &str = "00D5g000004ABCD";

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

async fn connected(f: &Fakes) -> AppSettings {
    let s = AppSettings {
        revision: 1,
        verify_outbound: true,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    f.settings.put(&s).await.unwrap();
    let auth = FakeAuth::new(ORG);
    let deps = ConnectDeps {
        auth: &auth,
        settings: &f.settings,
        vault: &f.vault,
        cursors: &f.cursors,
        bindings: &f.bindings,
        clock: &f.clock,
    };
    let url = connect::start(&deps, &app_id(), None).await.unwrap();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    connect::finish(&deps, state, FakeAuth::CODE).await.unwrap();
    f.settings.get(&app_id()).await.unwrap().unwrap()
}

fn push_deps(f: &Fakes) -> PushDeps<'_> {
    PushDeps {
        queue: &f.queue,
        seen: &f.idempotency,
        clock: &f.clock,
    }
}

/// A notification as an attacker would forge it: blanked e-mail, a far-future modstamp, and
/// the lead marked converted.
fn forged(n: u32, id: &SfId) -> PushedNotification {
    PushedNotification {
        notification_id: format!("04l5g00000AbC{n:03}"),
        sobject: "Lead".into(),
        id: id.clone(),
        fields: BTreeMap::from([
            ("LastName".to_string(), "Forged".to_string()),
            (
                "SystemModstamp".to_string(),
                "2099-01-01T00:00:00.000Z".to_string(),
            ),
            ("IsConverted".to_string(), "true".to_string()),
        ]),
    }
}

async fn queued(f: &Fakes) -> Vec<Change> {
    let got = f
        .queue
        .receive(1000, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    got.into_iter().map(|d| d.change).collect()
}

fn lead(last: &str, email: &str) -> Fields {
    [
        ("LastName".to_string(), Value::text(last)),
        ("Company".to_string(), Value::text("Acme")),
        ("Email".to_string(), Value::text(email)),
    ]
    .into_iter()
    .collect()
}

#[tokio::test]
async fn a_forged_message_queues_salesforce_values_not_its_own() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    let real = sf.insert("Lead", lead("Ng", "ng@acme.example"));
    let other = sf.insert("Lead", lead("Li", "li@acme.example"));
    let made_up = SfId::parse("00Q5g00000ZZZZZ").unwrap();
    let org = SfId::parse(ORG).unwrap();
    let before = sf.calls_made();
    let r = ingest_outbound_verified(
        &push_deps(&f),
        &sf,
        &settings,
        &org,
        vec![forged(1, &real), forged(2, &made_up)],
    )
    .await
    .unwrap();
    assert_eq!(sf.calls_made() - before, 1, "one query for the message");
    assert_eq!(
        (r.enqueued, r.ignored),
        (1, 1),
        "the made-up id queues nothing"
    );
    let changes = queued(&f).await;
    assert_eq!(changes.len(), 1);
    let c = &changes[0];
    assert_eq!(c.record.as_str(), real.as_str());
    assert_eq!(c.fields["LastName"].after, Value::text("Ng"));
    assert_eq!(c.fields["Email"].after, Value::text("ng@acme.example"));
    assert_eq!(c.op, Operation::Upsert, "not converted: Salesforce says so");
    assert!(
        c.source_time.year() < 2099,
        "Salesforce's modstamp, not the message's"
    );
    assert!(matches!(c.actor, Actor::Human(_)));
    assert!(
        changes.iter().all(|c| c.record.as_str() != other.as_str()),
        "only the records the message named"
    );
}

#[tokio::test]
async fn another_org_costs_no_call_and_a_failed_read_is_not_acknowledged() {
    let f = Fakes::new();
    let settings = connected(&f).await;
    let sf = FakeSalesforce::new();
    let real = sf.insert("Lead", lead("Ng", "ng@acme.example"));
    let wrong = SfId::parse("00D000000000OTH").unwrap();
    let r = ingest_outbound_verified(
        &push_deps(&f),
        &sf,
        &settings,
        &wrong,
        vec![forged(1, &real)],
    )
    .await;
    assert!(matches!(r, Err(IngestError::WrongOrg { .. })), "{r:?}");
    assert_eq!(sf.calls_made(), 0);

    sf.fail_next(SyncError::new(domain::ErrorCode::RemoteUnavailable).detail("503"));
    let org = SfId::parse(ORG).unwrap();
    let r = ingest_outbound_verified(&push_deps(&f), &sf, &settings, &org, vec![forged(1, &real)])
        .await;
    assert!(matches!(r, Err(IngestError::Unverified(_))), "{r:?}");
    assert!(
        queued(&f).await.is_empty(),
        "nothing queued, so Salesforce sends it again"
    );
    // The retry is not taken for a duplicate: the failed attempt claimed nothing.
    let r = ingest_outbound_verified(&push_deps(&f), &sf, &settings, &org, vec![forged(1, &real)])
        .await
        .unwrap();
    assert_eq!(r.enqueued, 1);
}
