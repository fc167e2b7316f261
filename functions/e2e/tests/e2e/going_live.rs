//! Going live on the Lambda stack (moto, empty tables), through public surfaces only: the
//! admin API and the OAuth callback behind the API Gateway stand-in, the setup section
//! registered in the simulators (their control APIs play the two admins), pushes from the
//! simulators to the gateway, and the event sources AWS would run (the changes and init
//! queues' mappings, the poller's schedule) played by the test. Stores are only read, to check.

use app::ports::*;
use domain::{JingId, ObjectKind, SfId};
use fn_e2e::world::World;
use reqwest::Method;
use serde_json::{Value, json};

fn far_deadline() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    u64::try_from(now).expect("ms") + 900_000
}

fn checklist(setup: &Value, item: &str) -> bool {
    setup["checklist"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["item"] == item && i["done"] == true)
}

/// Both sides' leads with the same mobile.
fn pair(w: &World, mobile: &str) -> (SfId, JingId) {
    let sf = w.sf.find("Lead", "MobilePhone", mobile);
    let jing = w.jing.find("lead", "mobile", mobile);
    let (Some(sf), Some(j)) = (sf.first(), jing.first()) else {
        panic!("{mobile} is not on both sides");
    };
    (sf.clone(), JingId::parse(&j.id).expect("JING id"))
}

/// Push everything pending and run the writer until the queue is empty.
async fn sync(w: &World) {
    w.sf.deliver_outbound().await;
    w.jing.deliver_webhooks().await;
    w.drain().await;
}

fn seed(w: &World) {
    for i in 0..6 {
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("赵{i}"), "Company": format!("广州公司{i}"),
                       "MobilePhone": format!("1350000{i:04}")}),
            )
            .expect("lead");
    }
    for i in 0..4 {
        w.jing
            .human()
            .create_lead(
                json!({"name": format!("钱{i}"), "company_id": format!("深圳企业{i}"),
                                "mobile": format!("1340000{i:04}")}),
            )
            .expect("lead");
    }
    w.sf.add_user("用户", "甲", "a@acme.example", Some("13300000001"));
    w.jing
        .add_employee("员工甲", Some("13300000001"), None)
        .expect("employee");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_live_on_the_lambda_stack_through_public_surfaces_only() {
    let mut w = World::empty(5).await;
    seed(&w);
    let app = w.app.clone();
    // 1. Install, register, connect (the callback checks permissions and matches members).
    w.install().await;
    w.connect().await;
    let setup = w.ok(Method::GET, &format!("/apps/{app}/setup"), None).await;
    for item in ["connected", "permissions", "members"] {
        assert!(checklist(&setup, item), "{item}: {setup}");
    }
    w.ok(
        Method::PATCH,
        &format!("/apps/{app}"),
        Some(json!({"member_sync": {"every_minutes": 0, "create_unmatched": false}})),
    )
    .await;

    // 2. The initialization from the admin API, run by init-backfill from its queue.
    let window = w.clock_now() - time::Duration::days(30);
    let window = window
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    w.ok(
        Method::POST,
        &format!("/apps/{app}/init"),
        Some(json!({ "window_start": window })),
    )
    .await;
    let mut rounds = 0;
    while w.init_round(far_deadline()).await > 0 {
        w.drain().await;
        rounds += 1;
        assert!(rounds < 20, "the initialization never finished");
    }
    w.drain().await;
    let init = w.ok(Method::GET, &format!("/apps/{app}/init"), None).await;
    assert_eq!(init["init"]["state"], "done", "{init}");
    assert_eq!((w.sf.count("Lead"), w.jing.count("lead")), (10, 10));

    // 3. Live edits both ways, by push.
    let (sf1, jing1) = pair(&w, "13500000001");
    w.sf.human()
        .update("Lead", &sf1, json!({"Title": "市场总监"}))
        .expect("edit");
    let (sf2, jing2) = pair(&w, "13400000002");
    w.jing
        .human()
        .update("lead", &jing2, json!({"title": "财务主管"}))
        .expect("edit");
    sync(&w).await;
    let title = |j: &JingId| {
        w.jing
            .record("lead", j)
            .and_then(|r| r.fields.get("title").cloned())
    };
    assert_eq!(title(&jing1), Some(json!("市场总监")));
    assert_eq!(
        w.sf.record("Lead", &sf2).expect("lead")["Title"],
        json!("财务主管")
    );

    // 4. A conversion reaches JING by push, with the opportunity's values.
    let (sf3, jing3) = pair(&w, "13500000003");
    w.sf.convert_lead(&sf3).expect("convert");
    sync(&w).await;
    let lead3 = w.jing.record("lead", &jing3).expect("lead 3");
    assert_eq!(lead3.fields.get("life_status"), Some(&json!("converted")));
    assert!(
        lead3
            .fields
            .get("opportunity_name")
            .is_some_and(|v| !v.is_null()),
        "{lead3:?}"
    );

    // 5. A user added later is matched by the scheduled run.
    w.jing
        .add_employee("员工乙", Some("13300000002"), None)
        .expect("employee");
    let late =
        w.sf.add_user("用户", "乙", "b@acme.example", Some("13300000002"));
    let summary = w.scheduled_poll().await;
    assert!(summary.members_bound >= 1, "{summary:?}");
    let bound = w
        .ports()
        .bindings
        .by_sf(&app, ObjectKind::Member, &late)
        .await
        .expect("b");
    assert!(bound.is_some(), "the late user is bound");

    // 6. The org's quota exhausted: the change parks and is listed; restored: the scheduled
    // run reads the org's usage again and the change goes through, no restart, no setting.
    w.sf.set_daily_limit(w.sf.api_usage().used);
    let (sf4, jing4) = pair(&w, "13400000003");
    w.jing
        .human()
        .update("lead", &jing4, json!({"title": "额度"}))
        .expect("edit");
    sync(&w).await;
    let failures = w
        .ok(
            Method::GET,
            &format!("/apps/{app}/failures?category=quota"),
            None,
        )
        .await;
    assert!(failures["total"].as_u64().unwrap_or(0) >= 1, "{failures}");
    w.sf.set_daily_limit(100_000);
    let summary = w.scheduled_poll().await;
    assert!(summary.released >= 1, "{summary:?}");
    w.drain().await;
    assert_eq!(
        w.sf.record("Lead", &sf4).expect("lead")["Title"],
        json!("额度")
    );

    // "Why did it wait?" through the admin-api function: parked for the quota, then synced.
    let explained = w
        .ok(
            Method::GET,
            &format!("/apps/{app}/explain/lead/{jing4}"),
            None,
        )
        .await;
    let decisions = explained["decisions"].as_array().expect("decisions");
    let latest = decisions.iter().find(|d| d["decision"] != "echo");
    assert_eq!(
        latest.expect("a decision")["decision"],
        "synced",
        "{explained}"
    );
    assert!(
        decisions
            .iter()
            .any(|d| d["decision"] == "parked" && d["cause"] == "quota"),
        "{explained}"
    );
    assert_eq!(explained["binding"]["sf_id"], json!(sf4.to_string()));

    // 7. Disconnect: held; reconnect to the same org: through.
    w.ok(Method::DELETE, &format!("/apps/{app}/connection"), None)
        .await;
    let (sf5, jing5) = pair(&w, "13400000001");
    w.jing
        .human()
        .update("lead", &jing5, json!({"title": "断开"}))
        .expect("edit");
    sync(&w).await;
    assert_ne!(
        w.sf.record("Lead", &sf5).expect("lead")["Title"],
        json!("断开")
    );
    w.connect().await;
    w.drain().await;
    assert_eq!(
        w.sf.record("Lead", &sf5).expect("lead")["Title"],
        json!("断开")
    );

    // 8. Delete: nothing of the app left in any table or the vault.
    let deleted = w.ok(Method::DELETE, &format!("/apps/{app}"), None).await;
    assert!(
        deleted["purged"]["bindings"].as_u64().unwrap_or(0) >= 10,
        "{deleted}"
    );
    assert_nothing_left(&w).await;
}

async fn assert_nothing_left(w: &World) {
    let (p, app) = (w.ports(), &w.app);
    for object in ObjectKind::ALL {
        assert_eq!(
            p.bindings.count(app, object).await.expect("count"),
            0,
            "{object}"
        );
    }
    let all = ListQuery::default();
    assert_eq!(p.errors.list(app, &all).await.expect("errors").total, 0);
    assert_eq!(p.sync_log.list(app, &all).await.expect("synced").total, 0);
    assert_eq!(
        p.ledger.conflicts(app, &all).await.expect("ledger").total,
        0
    );
    assert_eq!(p.parked.count(app).await.expect("parked"), 0);
    assert!(
        p.cursors
            .get(app, "poll:Lead")
            .await
            .expect("cursor")
            .is_none()
    );
    assert!(p.settings.get(app).await.expect("settings").is_none());
    // Read Secrets Manager itself (a container's cache may still hold what it read before).
    let prefix = w.stack.tables.apps.trim_end_matches("-apps");
    let secrets = aws_sdk_secretsmanager::Client::new(&w.stack.sdk);
    let vault = aws::secrets::SecretsVault::new(secrets, prefix, std::time::Duration::ZERO);
    for kind in [
        SecretKind::SfRefreshToken,
        SecretKind::JingAppSecret,
        SecretKind::WebhookToken,
        SecretKind::OutboundToken,
    ] {
        assert!(
            vault.get(app, kind).await.expect("vault").is_none(),
            "{kind:?}"
        );
    }
}
