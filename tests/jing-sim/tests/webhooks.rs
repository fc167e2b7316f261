//! Webhook delivery from the simulator into our intake (`jing::verify_and_parse`) over real HTTP:
//! signed events of human changes, retries until a 2xx, duplicates and reordering, echo marking.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use domain::{Actor, AppId, FieldChange, Operation, Value};
use jing::{AppWebhookConfig, ParsedEvent, WebhookRequest, verify_and_parse};
use jing_sim::{JingSim, JingSimConfig, WebhookChaos};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "wh_4f1e9a7c2b8d4e6fa1b2c3d4e5f60718";
const SECRET: &str = "whsec_sim_secret";

#[derive(Clone)]
struct Receiver {
    app: Arc<AppWebhookConfig>,
    accepted: Arc<Mutex<Vec<ParsedEvent>>>,
    refused: Arc<Mutex<Vec<u16>>>,
    fail_next: Arc<AtomicU32>,
}

async fn intake(
    State(r): State<Receiver>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if r.fail_next.load(Ordering::SeqCst) > 0 {
        r.fail_next.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let req = WebhookRequest {
        url_token: &token,
        headers: &headers,
        body: &body,
    };
    match verify_and_parse(&r.app, &req, time::OffsetDateTime::now_utc()) {
        Ok(ev) => {
            r.accepted.lock().unwrap().push(ev);
            StatusCode::OK
        }
        Err(e) => {
            r.refused.lock().unwrap().push(e.status);
            StatusCode::from_u16(e.status).unwrap()
        }
    }
}

async fn receiver(secret: &str) -> (Receiver, String) {
    let app = AppWebhookConfig::new(AppId::parse("acme").unwrap(), TOKEN).signed(secret);
    let r = Receiver {
        app: Arc::new(app),
        accepted: Arc::default(),
        refused: Arc::default(),
        fail_next: Arc::default(),
    };
    let router = Router::new()
        .route("/jing/webhook/acme/{token}", post(intake))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/jing/webhook/acme",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (r, url)
}

async fn setup(receiver_secret: &str) -> (JingSim, Receiver) {
    let sim = JingSim::start(JingSimConfig::default()).await.unwrap();
    let (r, url) = receiver(receiver_secret).await;
    sim.set_webhook(&url, TOKEN, Some(SECRET));
    (sim, r)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[tokio::test]
async fn human_changes_arrive_signed_and_parse_into_changes() {
    let (sim, r) = setup(SECRET).await;
    let owner = sim.add_employee("张伟", Some("13800000001"), None).unwrap();
    let h = sim.human();
    let id = h
        .create_lead(json!({"name": "张三", "mobile": "13900139000"}))
        .unwrap();
    h.update("lead", &id, json!({"title": "CTO", "name": "张三"}))
        .unwrap();
    h.change_owner("lead", &id, &owner, false).unwrap();
    h.invalidate("lead", &id).unwrap();
    let report = sim.deliver_webhooks().await;
    assert_eq!((report.delivered, report.failed, report.pending), (4, 0, 0));
    let got = r.accepted.lock().unwrap().clone();
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|e| e.change.record.as_str() == id.as_str()));
    assert!(
        got.iter()
            .all(|e| e.change.actor == Actor::Human(Some("20272".into())))
    );
    let create = &got[0].change.fields;
    assert_eq!(
        create["name"],
        FieldChange {
            before: None,
            after: text("张三")
        }
    );
    assert_eq!(
        create["life_status"].after,
        text("baby_lead"),
        "defaults are reported"
    );
    // Only the field that changed is in the update.
    let update = &got[1].change.fields;
    assert_eq!(update.len(), 1);
    assert_eq!(
        update["title"],
        FieldChange {
            before: Some(Value::Empty),
            after: text("CTO")
        }
    );
    assert_eq!(got[2].action_keyword, "manual_distribution");
    assert_eq!(got[2].change.fields["owner"].after, text(owner.as_str()));
    assert_eq!(got[3].change.op, Operation::Delete);
}

#[tokio::test]
async fn unacknowledged_events_are_retried_and_finally_given_up() {
    let (sim, r) = setup(SECRET).await;
    sim.configure(|c| c.webhook_max_attempts = 3);
    r.fail_next.store(2, Ordering::SeqCst);
    sim.human()
        .create_account(json!({"company_id": "中山大学"}))
        .unwrap();
    assert_eq!(sim.deliver_webhooks().await.pending, 1);
    assert_eq!(sim.deliver_webhooks().await.pending, 1);
    let third = sim.deliver_webhooks().await;
    assert_eq!((third.delivered, third.pending), (1, 0));
    assert_eq!(r.accepted.lock().unwrap().len(), 1);

    r.fail_next.store(100, Ordering::SeqCst);
    sim.human()
        .create_account(json!({"company_id": "复旦大学"}))
        .unwrap();
    for _ in 0..3 {
        sim.deliver_webhooks().await;
    }
    let report = sim.deliver_webhooks().await;
    assert_eq!((report.pending, report.dead, report.posts), (0, 1, 0));
}

#[tokio::test]
async fn duplicates_and_reordering_are_recognised_by_the_idempotency_key() {
    let (sim, r) = setup(SECRET).await;
    let h = sim.human();
    let id = h.create_lead(json!({"name": "李四"})).unwrap();
    sim.deliver_webhooks().await;
    h.update("lead", &id, json!({"title": "经理"})).unwrap();
    h.update("lead", &id, json!({"title": "总监"})).unwrap();
    sim.set_webhook_chaos(WebhookChaos {
        duplicate: true,
        reorder: true,
    });
    let report = sim.deliver_webhooks().await;
    assert_eq!((report.delivered, report.posts), (2, 4));
    let got: Vec<ParsedEvent> = r.accepted.lock().unwrap()[1..].to_vec();
    assert_eq!(got.len(), 4);
    let titles: Vec<Value> = got
        .iter()
        .map(|e| e.change.fields["title"].after.clone())
        .collect();
    assert_eq!(
        titles,
        [text("总监"), text("总监"), text("经理"), text("经理")],
        "newest first, twice each"
    );
    assert_eq!(got[0].idempotency_key, got[1].idempotency_key);
    assert_ne!(got[1].idempotency_key, got[2].idempotency_key);
    // The intake can restore the order: the later change carries the older value as `before`.
    assert_eq!(got[0].change.fields["title"].before, Some(text("经理")));
}

#[tokio::test]
async fn a_wrong_signing_secret_is_refused_and_nothing_is_accepted() {
    let (sim, r) = setup("another-secret").await;
    sim.human().create_lead(json!({"name": "王五"})).unwrap();
    let report = sim.deliver_webhooks().await;
    assert_eq!((report.delivered, report.failed, report.pending), (0, 1, 1));
    assert!(r.accepted.lock().unwrap().is_empty());
    assert_eq!(*r.refused.lock().unwrap(), [403]);
}

#[tokio::test]
async fn api_writes_send_no_webhook_by_default_and_marked_ones_when_asked() {
    let (sim, r) = setup(SECRET).await;
    let cfg = jing::JingClientConfig::new(
        sim.contract(),
        jing::Credentials::new(sim.config().app_id, sim.config().app_secret),
    );
    let client = jing::JingClient::new(cfg).unwrap();
    let lead = |name: &str| {
        [("name".to_owned(), text(name))]
            .into_iter()
            .collect::<jing::FieldValues>()
    };
    client.batch_create("lead", &[lead("甲")]).await.unwrap();
    assert!(sim.pending_webhooks().is_empty());
    sim.configure(|c| c.webhook_api_changes = true);
    client.batch_create("lead", &[lead("乙")]).await.unwrap();
    assert_eq!(sim.deliver_webhooks().await.delivered, 1);
    let got = r.accepted.lock().unwrap().clone();
    assert_eq!(
        got[0].change.actor,
        Actor::Integration,
        "echoes are recognisable"
    );
}
