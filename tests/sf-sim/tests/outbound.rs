//! Outbound messages: the SOAP envelope, batching, retry until acked, duplication, reordering.

mod common;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use common::*;
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::json;
use sf_sim::OutboundConfig;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

const ACK: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;

#[derive(Clone)]
struct Listener {
    fail_first: Arc<AtomicUsize>,
    tx: mpsc::UnboundedSender<String>,
}

/// A listener that answers 500 to the first `fail_first` posts, then acks; bodies go to the channel.
async fn listener(fail_first: usize) -> (String, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Listener {
        fail_first: Arc::new(AtomicUsize::new(fail_first)),
        tx,
    };
    let app = Router::new()
        .route(
            "/om",
            post(|State(s): State<Listener>, body: String| async move {
                let _ = s.tx.send(body);
                if s.fail_first.load(Ordering::SeqCst) > 0 {
                    s.fail_first.fetch_sub(1, Ordering::SeqCst);
                    return (StatusCode::INTERNAL_SERVER_ERROR, "down".to_owned());
                }
                (StatusCode::OK, ACK.to_owned())
            }),
        )
        .with_state(state);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/om", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, rx)
}

/// (element path, text) pairs of an XML document, namespace prefixes kept, plus attributes.
fn xml_facts(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = vec![];
    let mut out = vec![];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                for a in e.attributes() {
                    let a = a.unwrap();
                    out.push((
                        format!(
                            "{name}@{}",
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap()
                        ),
                        a.unescape_value().unwrap().into_owned(),
                    ));
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                if !text.trim().is_empty() {
                    out.push((path.last().cloned().unwrap_or_default(), text));
                }
            }
            Event::Empty(e) => out.push((
                String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                String::new(),
            )),
            Event::Eof => return out,
            _ => {}
        }
    }
}

fn get<'a>(facts: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    facts
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn cfg(url: &str) -> SimConfig {
    SimConfig {
        outbound: Some(OutboundConfig::new(url).object(
            "Lead",
            &[
                "Id",
                "LastName",
                "Email",
                "Title",
                "SystemModstamp",
                "IsConverted",
            ],
        )),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn human_changes_arrive_as_the_documented_envelope() {
    let (url, mut rx) = listener(0).await;
    let env = Env::with(cfg(&url)).await;
    let id = env
        .sim
        .human()
        .create(
            "Lead",
            json!({"LastName": "Ng", "Company": "A&B <Co>", "Email": "ng@acme.example"}),
        )
        .unwrap();
    env.lead("ApiWrite", "Acme", None).await; // integration-user change: not selected by the rule
    assert_eq!(env.sim.outbound_pending(), 1);
    assert_eq!(env.sim.deliver_outbound().await, 1);
    let xml = rx.recv().await.unwrap();
    let facts = xml_facts(&xml);
    assert_eq!(
        get(&facts, "notifications@xmlns"),
        vec!["http://soap.sforce.com/2005/09/outbound"]
    );
    assert_eq!(
        get(&facts, "OrganizationId"),
        vec![env.sim.org_id().as_str()]
    );
    assert!(get(&facts, "ActionId")[0].starts_with("04k"));
    assert!(get(&facts, "Id")[0].starts_with("04l"), "notification id");
    assert_eq!(get(&facts, "sObject@xsi:type"), vec!["sf:Lead"]);
    assert_eq!(
        get(&facts, "sObject@xmlns:sf"),
        vec!["urn:sobject.enterprise.soap.sforce.com"]
    );
    assert_eq!(get(&facts, "sf:Id"), vec![id.as_str()]);
    assert_eq!(get(&facts, "sf:Email"), vec!["ng@acme.example"]);
    assert!(
        get(&facts, "sf:Title").is_empty(),
        "null fields are omitted"
    );
    assert!(get(&facts, "sf:Company").is_empty(), "only selected fields");
    let stamp = get(&facts, "sf:SystemModstamp")[0];
    assert!(stamp.ends_with(".000Z") && stamp.len() == 24, "{stamp}");
    assert_eq!(get(&facts, "SessionId"), vec![""]);
    assert_eq!(env.sim.outbound_pending(), 0);
}

#[tokio::test]
async fn unacknowledged_messages_are_retried_until_acked() {
    let (url, mut rx) = listener(2).await;
    let env = Env::with(cfg(&url)).await;
    env.sim
        .human()
        .create("Lead", json!({"LastName": "Ng", "Company": "Acme"}))
        .unwrap();
    assert_eq!(env.sim.deliver_outbound().await, 0);
    assert_eq!(env.sim.deliver_outbound().await, 0);
    assert_eq!(
        env.sim.outbound_pending(),
        1,
        "still queued after two failures"
    );
    assert_eq!(env.sim.deliver_outbound().await, 1);
    let bodies: Vec<String> = (0..3).map(|_| rx.try_recv().unwrap()).collect();
    assert_eq!(bodies[0], bodies[2], "the same notification is resent");
    assert_eq!(env.sim.outbound_stats().attempts, 3);
    assert_eq!(env.sim.outbound_pending(), 0);
}

#[tokio::test]
async fn background_sender_retries_with_backoff() {
    let (url, mut rx) = listener(1).await;
    let mut c = cfg(&url);
    if let Some(o) = c.outbound.as_mut() {
        o.background = true;
        o.retry_base = std::time::Duration::from_millis(20);
    }
    let env = Env::with(c).await;
    env.sim
        .human()
        .create("Lead", json!({"LastName": "Ng", "Company": "Acme"}))
        .unwrap();
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, second);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while env.sim.outbound_pending() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "never acked");
        tokio::task::yield_now().await;
    }
    assert_eq!(env.sim.outbound_stats().acked, 1);
}

#[tokio::test]
async fn batches_hold_at_most_100_and_state_is_read_at_send_time() {
    let (url, mut rx) = listener(0).await;
    let mut c = cfg(&url);
    if let Some(o) = c.outbound.as_mut() {
        o.reorder = true;
        o.duplicate = true;
    }
    let env = Env::with(c).await;
    let mut ids = vec![];
    for i in 0..150 {
        ids.push(
            env.sim
                .human()
                .create(
                    "Lead",
                    json!({"LastName": format!("L{i}"), "Company": "Acme"}),
                )
                .unwrap(),
        );
    }
    env.sim
        .human()
        .update("Lead", &ids[0], json!({"Title": "Later"}))
        .unwrap();
    assert_eq!(env.sim.deliver_outbound().await, 151);
    let mut messages = vec![];
    while let Ok(m) = rx.try_recv() {
        messages.push(xml_facts(&m));
    }
    assert_eq!(
        messages.len(),
        4,
        "two messages (100 + 51), each delivered twice"
    );
    assert_eq!(get(&messages[0], "sf:Id").len(), 100);
    assert_eq!(get(&messages[2], "sf:Id").len(), 51);
    // Reordered: within a message the newest notification comes first.
    assert_eq!(get(&messages[0], "sf:Id")[0], ids[99].as_str());
    assert_eq!(
        get(&messages[2], "sf:Id")[0],
        ids[0].as_str(),
        "the update of ids[0] is the newest"
    );
    // Both notifications of ids[0] (create and update) carry the state at send time.
    assert_eq!(get(&messages[0], "sf:Title"), vec!["Later"]);
    assert_eq!(get(&messages[2], "sf:Title"), vec!["Later"]);
    assert_eq!(env.sim.outbound_stats().attempts, 4);
}

#[tokio::test]
async fn injected_loss_means_a_notification_never_arrives() {
    let (url, mut rx) = listener(0).await;
    let env = Env::with(cfg(&url)).await;
    let lost = env
        .sim
        .human()
        .create("Lead", json!({"LastName": "Lost", "Company": "Acme"}))
        .unwrap();
    let kept = env
        .sim
        .human()
        .create("Lead", json!({"LastName": "Kept", "Company": "Acme"}))
        .unwrap();
    env.sim.faults().lose_outbound(1);
    assert_eq!(env.sim.deliver_outbound().await, 1);
    let facts = xml_facts(&rx.recv().await.unwrap());
    assert_eq!(get(&facts, "sf:Id"), vec![kept.as_str()]);
    assert_ne!(lost, kept);
    assert_eq!(env.sim.outbound_stats().dropped, 1);
    assert!(rx.try_recv().is_err());
}
