//! The `app::ports::SalesforcePort` and `SfAuth` adapters against the simulator.

mod sim_support;

use std::collections::BTreeMap;
use std::time::Duration;

use app::ports::{Fields, PollCursor, SalesforcePort, SfAuth, WriteResult};
use app::settings::Environment;
use domain::{ErrorCode, SfId, Value};
use jingsf_salesforce as salesforce;
use salesforce::{Pkce, SfAuthAdapter};
use serde_json::json;
use sf_sim::{SfSim, SimConfig};
use sim_support::*;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::text(*v)))
        .collect::<BTreeMap<_, _>>()
}

fn ok_id(r: &WriteResult) -> SfId {
    match r {
        WriteResult::Ok(id) => SfId::parse(id).unwrap(),
        other => panic!("expected Ok, got {other:?}"),
    }
}

#[tokio::test]
async fn port_writes_map_duplicates_and_failures() {
    let c = connect().await;
    let port: &dyn SalesforcePort = &c.client;
    let existing = c
        .sim
        .human()
        .create(
            "Lead",
            json!({"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.example"}),
        )
        .unwrap();
    let out = port
        .create(
            "Lead",
            &[
                fields(&[("LastName", "Li"), ("Company", "Acme")]),
                fields(&[
                    ("LastName", "Ng"),
                    ("Company", "Acme"),
                    ("Email", "ng@acme.example"),
                ]),
                fields(&[("Company", "Acme")]),
            ],
        )
        .await
        .unwrap();
    let created = ok_id(&out[0]);
    assert_eq!(
        out[1],
        WriteResult::Duplicate(vec![existing.as_str().to_owned()]),
        "matches resolved for binding"
    );
    match &out[2] {
        WriteResult::Failed(e) => {
            assert_eq!(
                (e.code, e.object.as_deref(), e.field.as_deref()),
                (
                    ErrorCode::RequiredValueMissing,
                    Some("Lead"),
                    Some("LastName")
                )
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.sim.count("Lead"), 2, "the duplicate was not created");

    let upd = port
        .update("Lead", &[(created.clone(), fields(&[("Title", "CEO")]))])
        .await
        .unwrap();
    assert_eq!(ok_id(&upd[0]), created);
    assert_eq!(c.sim.record("Lead", &created).unwrap()["Title"], "CEO");
    let del = port.delete(std::slice::from_ref(&created)).await.unwrap();
    assert_eq!(ok_id(&del[0]), created);
    assert_eq!(c.sim.count("Lead"), 1);
    // collections create + one single create for the duplicate + update + delete
    assert_eq!(port.calls_made(), 4);
}

#[tokio::test]
async fn port_reads_poll_page_count_and_find() {
    let c = connect().await;
    let port: &dyn SalesforcePort = &c.client;
    let since = time::OffsetDateTime::now_utc() - Duration::from_secs(3600);
    let records: Vec<Fields> = (0..30)
        .map(|i| {
            fields(&[
                ("LastName", &format!("P{i:02}")),
                ("Company", "Acme"),
                ("Email", &format!("p{i}@acme.example")),
            ])
        })
        .collect();
    let ids: Vec<SfId> = port
        .create("Lead", &records)
        .await
        .unwrap()
        .iter()
        .map(ok_id)
        .collect();
    let until = time::OffsetDateTime::now_utc() + Duration::from_secs(3600);

    let mut cursor = PollCursor {
        modstamp: since,
        id: None,
    };
    let mut seen = Vec::new();
    loop {
        let page = port
            .changed_since("Lead", &["LastName".into()], &cursor, until, 12)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = PollCursor {
            modstamp: last.modstamp,
            id: Some(last.id.clone()),
        };
        assert!(
            page.iter().all(
                |r| r.modified_by.as_ref() == Some(&c.sim.integration_user_id()) && !r.deleted
            )
        );
        assert!(page[0].fields.contains_key("LastName"));
        seen.extend(page.into_iter().map(|r| r.id));
    }
    assert_eq!(
        seen, ids,
        "every record once, in (SystemModstamp, Id) order"
    );

    let first = port
        .page_by_id(
            "Lead",
            &["Email".into()],
            Some("Company = 'Acme'"),
            None,
            10,
        )
        .await
        .unwrap();
    let next = port
        .page_by_id(
            "Lead",
            &[],
            Some("Company = 'Acme'"),
            Some(&first[9].id),
            100,
        )
        .await
        .unwrap();
    assert_eq!((first.len(), next.len()), (10, 20));
    assert!(
        first.iter().chain(&next).map(|r| &r.id).eq(ids.iter()),
        "ordered by Id, no overlap"
    );
    assert_eq!(
        port.count("Lead", Some("LastName LIKE 'P1%'"))
            .await
            .unwrap(),
        10
    );
    assert_eq!(port.count("Lead", None).await.unwrap(), 30);

    let found = port
        .find_by(
            "Lead",
            "Email",
            &[
                "p3@acme.example".into(),
                "nobody@x.example".into(),
                "O'Hara@x.example".into(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(found, vec![(ids[3].clone(), "p3@acme.example".to_owned())]);

    port.delete(&ids[..2]).await.unwrap();
    let gone = port.deleted_since("Lead", since, until).await.unwrap();
    assert_eq!(
        gone.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&ids[0], &ids[1]]
    );
    assert!(gone.iter().all(|r| r.deleted));
}

#[tokio::test]
async fn port_users_and_describe() {
    let c = connect().await;
    let port: &dyn SalesforcePort = &c.client;
    let li = c.sim.add_user(
        "Li",
        "Lei",
        "li.lei@acme.example",
        Some("+86 138 0000 0000"),
    );
    let users = port.users().await.unwrap();
    let found = users.iter().find(|u| u.id == li).expect("new user listed");
    assert_eq!(found.email.as_deref(), Some("li.lei@acme.example"));
    assert_eq!(found.mobile.as_deref(), Some("+86 138 0000 0000"));
    assert!(found.active && found.name.contains("Lei"));
    assert!(users.iter().any(|u| u.id == c.sim.integration_user_id()));

    let d = port.describe("Lead").await.unwrap();
    let last = d.field("LastName").unwrap();
    assert_eq!(last.length, 80);
    assert!(last.required_on_create());
    assert!(d.field("Region__c").unwrap().restricted_picklist);
    assert_eq!(
        d.field("Province__c").unwrap().controller_name.as_deref(),
        Some("Country__c")
    );
    port.describe("Lead").await.unwrap();
    assert_eq!(c.sim.calls().kind("describe"), 1, "cached");
    let err = port.describe("Nope__c").await.unwrap_err();
    assert_eq!(err.0.code, ErrorCode::ObjectNotAccessible);
}

#[tokio::test]
async fn auth_adapter_runs_the_whole_flow() {
    let cfg = SimConfig::default();
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let auth = SfAuthAdapter::new(reqwest::Client::new(), app(&cfg));
    let env = Environment::Custom(sim.base_url().to_owned());
    let pkce = Pkce::generate();
    let url = auth.authorize_url(&env, "st4te", &pkce.challenge);
    assert!(url.contains("scope=api+id+refresh_token"), "{url}");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = browser.get(url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    use secrecy::ExposeSecret;
    let tokens = auth
        .exchange(&env, &code, pkce.verifier.expose_secret())
        .await
        .unwrap();
    let who = auth.identity(&tokens).await.unwrap();
    assert_eq!(
        (who.org_id, who.user_id),
        (sim.org_id(), sim.integration_user_id())
    );

    auth.revoke(&env, tokens.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    let err = auth.identity(&tokens).await.unwrap_err();
    assert_eq!(
        err.0.code,
        ErrorCode::NeedsReauthorization,
        "revoking the refresh token killed its session"
    );
    assert_eq!(sf_environment_round_trip(), "https://test.salesforce.com");
}

fn sf_environment_round_trip() -> String {
    salesforce::sf_environment(&Environment::Sandbox).login_base()
}
