//! The edge's own security rules on in-memory fakes: a webhook is never accepted unsigned (a
//! missing signing secret closes the endpoint), verify mode is set through the admin API, and a
//! refused envelope's answer quotes none of its values.

mod common;

use app::ports::*;
use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

async fn install(w: &World) -> serde_json::Value {
    let (s, v) = post(
        w,
        "/api/apps",
        json!({"id": "gamma", "name": "Gamma", "environment": {"kind": "production"},
               "jing_app_id": "j", "jing_tenant": "t"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    get(w, "/api/apps/gamma/setup").await.1
}

fn path_of(url: &str) -> String {
    url.trim_start_matches("https://connector.example.com")
        .to_owned()
}

#[tokio::test]
async fn a_webhook_without_a_signing_secret_is_refused_like_a_stranger() {
    let w = world();
    let setup = install(&w).await;
    let path = path_of(setup["webhook_url"].as_str().unwrap());
    let body = json!({"event": "lead.updated", "mid": "t", "data": {}});
    let unknown = send_raw(
        &w,
        Method::POST,
        "/jing/webhook/nobody/x",
        Some(body.clone()),
        None,
    )
    .await;
    // With its secret the app refuses an unsigned delivery (the URL token alone is not enough).
    let (status, _, _) = send_raw(&w, Method::POST, &path, Some(body.clone()), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Without it, the endpoint is closed: the same answer as an unknown app, nothing queued.
    let app = domain::AppId::parse("gamma").unwrap();
    w.vault
        .remove(&app, SecretKind::WebhookSigningSecret)
        .await
        .unwrap();
    let closed = send_raw(&w, Method::POST, &path, Some(body), None).await;
    assert_eq!((closed.0, &closed.2), (unknown.0, &unknown.2));
    assert_eq!(w.queue.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn verify_mode_is_off_by_default_and_set_through_the_admin_api() {
    let w = world();
    install(&w).await;
    let (_, app) = get(&w, "/api/apps/gamma").await;
    assert_eq!(app["verify_outbound"], false);
    let (s, saved) = send(
        &w,
        Method::PATCH,
        "/api/apps/gamma",
        Some(json!({"verify_outbound": true})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["verify_outbound"], true);
    let stored = w
        .settings
        .get(&domain::AppId::parse("gamma").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.verify_outbound);
}

#[tokio::test]
async fn a_refused_envelope_is_answered_without_its_values() {
    let w = world();
    let setup = install(&w).await;
    let path = path_of(setup["outbound_url"].as_str().unwrap());
    let envelope = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>li.wei@acme.example</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>"#;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(&path)
        .body(axum::body::Body::from(envelope))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(jingsf_edge::router(w.state.clone()), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("soapenv:Fault"), "{body}");
    assert!(!body.contains("li.wei"), "{body}");
    assert!(
        body.contains("OrganizationId"),
        "the reason still names the element: {body}"
    );
}

#[tokio::test]
async fn a_webhook_rotation_through_the_admin_api_applies_to_the_next_delivery() {
    let w = world();
    let before = install(&w).await;
    let old = path_of(before["webhook_url"].as_str().unwrap());
    let body = json!({"event": "lead.updated", "mid": "t", "data": {}});
    let stranger = send_raw(
        &w,
        Method::POST,
        "/jing/webhook/gamma/x",
        Some(body.clone()),
        None,
    );
    let stranger = stranger.await;
    // The first delivery makes the intake keep the app's settings; unsigned, it is refused for
    // its signature, not as a stranger's.
    let unsigned = send_raw(&w, Method::POST, &old, Some(body.clone()), None).await;
    assert_eq!(unsigned.0, StatusCode::UNAUTHORIZED);
    assert_ne!(unsigned.2, stranger.2, "the URL token was accepted");
    let (s, after) = post(
        &w,
        "/api/apps/gamma/setup/rotate",
        json!({"endpoint": "webhook"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    // At once, in this process: the old URL is a stranger's, the new one is checked.
    let refused = send_raw(&w, Method::POST, &old, Some(body.clone()), None).await;
    assert_eq!((refused.0, &refused.2), (stranger.0, &stranger.2));
    let new = path_of(after["webhook_url"].as_str().unwrap());
    let checked = send_raw(&w, Method::POST, &new, Some(body), None).await;
    assert_eq!((checked.0, &checked.2), (unsigned.0, &unsigned.2));
    assert_eq!(w.queue.depth().await.unwrap(), 0);
}
