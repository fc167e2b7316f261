//! Setup through the admin API alone: credentials generated at install and shown, rotation,
//! the login-host allow-list, the JING secret set later, the checklist, and a delete that leaves
//! nothing of the app in any store.

mod common;

use app::ports::*;
use axum::http::{Method, StatusCode};
use common::*;
use domain::ObjectKind;
use serde_json::json;

fn new_app(id: &str, env: serde_json::Value) -> serde_json::Value {
    json!({"id": id, "name": "Gamma", "environment": env, "jing_app_id": "j", "jing_tenant": "t"})
}

#[tokio::test]
async fn install_generates_the_push_credentials_and_setup_shows_them() {
    let w = world();
    let (s, v) = post(
        &w,
        "/api/apps",
        new_app("gamma", json!({"kind": "production"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, setup) = get(&w, "/api/apps/gamma/setup").await;
    assert_eq!(s, StatusCode::OK, "{setup}");
    let base = "https://connector.example.com";
    assert_eq!(setup["callback_url"], format!("{base}/oauth/callback"));
    let outbound = setup["outbound_url"].as_str().unwrap();
    let webhook = setup["webhook_url"].as_str().unwrap();
    assert!(
        outbound.starts_with(&format!("{base}/sf/outbound/gamma/")),
        "{outbound}"
    );
    assert!(
        webhook.starts_with(&format!("{base}/jing/webhook/gamma/")),
        "{webhook}"
    );
    let token = |url: &str| url.rsplit('/').next().unwrap().to_owned();
    assert!(token(outbound).len() >= 32 && token(webhook).len() >= 32);
    assert_ne!(token(outbound), token(webhook));
    let secret = setup["webhook_signing_secret"].as_str().unwrap();
    assert!(secret.len() >= 32, "a signing secret is generated");
    let lead = setup["outbound"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["object"] == "Lead")
        .unwrap();
    let fields: Vec<&str> = lead["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    for f in [
        "LastName",
        "Company",
        "SystemModstamp",
        "LastModifiedById",
        "IsConverted",
        "ConvertedOpportunityId",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert_eq!(lead["required"], true);
    let items: Vec<&str> = setup["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["item"].as_str())
        .collect();
    assert_eq!(
        items,
        [
            "connected",
            "permissions",
            "external_ids",
            "outbound_messages",
            "webhooks",
            "members",
            "initialization"
        ]
    );
    assert!(
        setup["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["done"] == false),
        "{setup}"
    );
    // Rotation replaces the token and leaves the other endpoint alone.
    let (s, rotated) = post(
        &w,
        "/api/apps/gamma/setup/rotate",
        json!({"endpoint": "webhook"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["webhook_url"], setup["webhook_url"]);
    assert_ne!(
        rotated["webhook_signing_secret"],
        setup["webhook_signing_secret"]
    );
    assert_eq!(rotated["outbound_url"], setup["outbound_url"]);
    let (s, v) = post(
        &w,
        "/api/apps/gamma/setup/rotate",
        json!({"endpoint": "nope"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn only_salesforce_login_hosts_are_accepted() {
    let w = world();
    for env in [
        json!({"kind": "custom", "host": "http://127.0.0.1:9"}),
        json!({"kind": "my_domain", "host": "http://acme.my.salesforce.com"}),
        json!({"kind": "my_domain", "host": "evil.example.com"}),
    ] {
        let (s, v) = post(&w, "/api/apps", new_app("delta", env.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{env}: {v}");
        assert_error(&v, "INVALID_INPUT");
    }
    let ok = json!({"kind": "my_domain", "host": "acme--uat.sandbox.my.salesforce.com"});
    let (s, v) = post(&w, "/api/apps", new_app("delta", ok)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let patch = json!({"environment": {"kind": "custom", "host": "http://127.0.0.1:9"}});
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/delta",
        Some(patch),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let switch = json!({"environment": {"kind": "custom", "host": "http://127.0.0.1:9"}});
    let (s, v) = post(&w, "/api/apps/delta/connect", switch).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn the_jing_secret_can_be_set_after_install() {
    let w = world();
    post(&w, "/api/apps", new_app("eps", json!({"kind": "sandbox"}))).await;
    let app = domain::AppId::parse("eps").unwrap();
    let vault = w.vault.as_ref();
    assert!(
        vault
            .get(&app, SecretKind::JingAppSecret)
            .await
            .unwrap()
            .is_none()
    );
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/eps",
        Some(json!({"jing_app_secret": "later-s3cret"})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!v.to_string().contains("later-s3cret"), "never returned");
    let got = vault.get(&app, SecretKind::JingAppSecret).await.unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&got.unwrap()),
        "later-s3cret"
    );
}

#[tokio::test]
async fn delete_leaves_nothing_of_the_app() {
    let w = world();
    seed(&w).await;
    let app = app_id();
    assert!(w.bindings.count(&app, ObjectKind::Member).await.unwrap() > 0);
    let (s, v) = send(&w, Method::DELETE, "/api/apps/acme", None, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["purged"]["errors"].as_u64().unwrap() >= 5, "{v}");
    let all = ListQuery::default();
    assert_eq!(w.bindings.count(&app, ObjectKind::Member).await.unwrap(), 0);
    assert_eq!(w.errors.list(&app, &all).await.unwrap().total, 0);
    assert_eq!(w.sync_log.list(&app, &all).await.unwrap().total, 0);
    assert_eq!(w.ledger.conflicts(&app, &all).await.unwrap().total, 0);
    let day = domain::quota::quota_day(w.clock.now_at(), domain::datetime::JING_OFFSET);
    assert_eq!(w.quota.used(&app, day).await.unwrap(), 0);
    assert!(w.settings.get(&app).await.unwrap().is_none());
    let (s, _) = get(&w, "/api/apps/acme/setup").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
