//! Outbound messages from the simulator into a listener that parses with this crate and
//! answers with `ack_response()`.

mod sim_support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jingsf_salesforce as salesforce;
use salesforce::outbound::{OutboundMessage, ack_response, parse_outbound};
use serde_json::json;
use sf_sim::{OutboundConfig, SfSim, SimConfig};

type Inbox = Arc<Mutex<Vec<OutboundMessage>>>;

/// The listener: parse, remember, ack; refuse what does not parse (Salesforce will retry).
async fn listener(ack: bool) -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let store = inbox.clone();
    let app = axum::Router::new().route(
        "/outbound",
        axum::routing::post(move |body: Bytes| {
            let store = store.clone();
            async move {
                match parse_outbound(&body) {
                    Ok(message) if ack => {
                        store.lock().unwrap().push(message);
                        (
                            StatusCode::OK,
                            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                            ack_response(),
                        )
                            .into_response()
                    }
                    Ok(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
                    Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
                }
            }
        }),
    );
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/outbound", tcp.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(tcp, app).await.unwrap() });
    (url, inbox)
}

fn config(url: &str) -> SimConfig {
    SimConfig {
        outbound: Some(
            OutboundConfig::new(url).object("Lead", &["LastName", "Email", "SystemModstamp"]),
        ),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn outbound_messages_parse_and_are_acknowledged() {
    let (url, inbox) = listener(true).await;
    let sim = SfSim::start(config(&url)).await.unwrap();
    let a = sim
        .human()
        .create(
            "Lead",
            json!({"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.example"}),
        )
        .unwrap();
    let b = sim
        .human()
        .create("Lead", json!({"LastName": "Li", "Company": "Acme"}))
        .unwrap();

    let acked = sim.deliver_outbound().await;
    assert!(acked >= 1, "the sim saw our ack");
    assert_eq!(
        sim.outbound_pending(),
        0,
        "nothing left to resend after the ack"
    );
    let messages = inbox.lock().unwrap().clone();
    let notes: Vec<_> = messages.iter().flat_map(|m| &m.notifications).collect();
    assert!(messages.iter().all(|m| m.organization_id == sim.org_id()));
    assert!(messages.iter().all(|m| m.action_id.key_prefix() == "04k"));
    let ng = notes
        .iter()
        .find(|n| n.record_id().as_ref() == Some(&a))
        .expect("lead a notified");
    assert_eq!(ng.object_type, "Lead");
    assert_eq!(ng.fields["Email"].as_deref(), Some("ng@acme.example"));
    assert_eq!(ng.fields["LastName"].as_deref(), Some("Ng"));
    assert!(ng.id.starts_with("04l"));
    let li = notes
        .iter()
        .find(|n| n.record_id().as_ref() == Some(&b))
        .expect("lead b notified");
    assert!(
        li.fields.get("Email").is_none_or(|v| v.is_none()),
        "null fields are omitted or nil"
    );
}

#[tokio::test]
async fn without_ack_the_message_stays_queued() {
    let (url, inbox) = listener(false).await;
    let sim = SfSim::start(config(&url)).await.unwrap();
    sim.human()
        .create("Lead", json!({"LastName": "Ng", "Company": "Acme"}))
        .unwrap();
    assert_eq!(sim.deliver_outbound().await, 0);
    assert!(
        sim.outbound_pending() > 0,
        "unacknowledged messages are kept for retry"
    );
    assert!(inbox.lock().unwrap().is_empty());
}
