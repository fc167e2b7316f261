//! Token lifecycle against the simulator: reuse, refresh before expiry, rotation, re-get after
//! the refresh token dies, renewal after a revoked token, refused credentials.

mod common;

use common::*;
use domain::{ErrorCode, ObjectKind};
use jing::{FieldTypes, JingError};
use jingsf_jing as jing;
use secrecy::ExposeSecret;
use std::time::Duration;

async fn touch(client: &jing::JingClient) {
    client.field_metadata("lead").await.unwrap();
}

#[tokio::test]
async fn the_token_is_reused_then_refreshed_before_it_expires() {
    let sim = sim().await;
    sim.configure(|c| c.token_ttl = Duration::from_secs(120));
    let (client, sink) = client(&sim);
    touch(&client).await;
    touch(&client).await;
    assert_eq!(calls(&sim, "token"), 1);
    assert_eq!(calls(&sim, "token_refresh"), 0);
    let first = sink.last();
    // 61 s later, 59 s remain: inside the 60 s skew, so the client refreshes first.
    sim.clock().advance(Duration::from_secs(61));
    touch(&client).await;
    assert_eq!((calls(&sim, "token"), calls(&sim, "token_refresh")), (1, 1));
    assert_eq!(sink.count(), 2);
    let second = sink.last();
    assert_ne!(
        first.access_token.expose_secret(),
        second.access_token.expose_secret()
    );
    assert_ne!(
        first.refresh_token.expose_secret(),
        second.refresh_token.expose_secret(),
        "refresh rotates"
    );
    assert_eq!(sim.calls().get("object_fields"), Some(&3));
    assert_eq!(client.calls().total, sim.total_calls());
}

#[tokio::test]
async fn an_expired_refresh_token_leads_to_a_new_get_token() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    touch(&client).await;
    sim.clock().advance(Duration::from_secs(31 * 24 * 3600));
    touch(&client).await;
    assert_eq!((calls(&sim, "token"), calls(&sim, "token_refresh")), (2, 0));
}

#[tokio::test]
async fn a_refused_refresh_token_leads_to_a_new_get_token() {
    let sim = sim().await;
    let (client, sink) = client(&sim);
    touch(&client).await;
    sim.faults().revoke_refresh_tokens();
    sim.clock().advance(Duration::from_secs(7200));
    touch(&client).await;
    assert_eq!((calls(&sim, "token"), calls(&sim, "token_refresh")), (2, 1));
    assert_eq!(sink.count(), 2);
}

#[tokio::test]
async fn a_revoked_access_token_is_renewed_once_and_the_call_repeated() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    touch(&client).await;
    sim.faults().revoke_access_tokens();
    let types = FieldTypes::defaults(ObjectKind::Lead);
    let page = client
        .list_changed("lead", time::OffsetDateTime::UNIX_EPOCH, None, &types)
        .await
        .unwrap();
    assert!(page.records.is_empty());
    assert_eq!(calls(&sim, "token_refresh"), 1);
    assert_eq!(calls(&sim, "object_list"), 2);
}

#[tokio::test]
async fn saved_tokens_are_used_without_a_token_call() {
    let sim = sim().await;
    let (first, sink) = client(&sim);
    touch(&first).await;
    let (second, _) = client_with(&sim, config(&sim, SECRET), Some(sink.last()));
    touch(&second).await;
    assert_eq!(calls(&sim, "token"), 1);
}

#[tokio::test]
async fn refused_credentials_ask_for_reauthorization() {
    let sim = sim().await;
    let (client, sink) = client_with(&sim, config(&sim, "0000000000000000000000000000dead"), None);
    let err = client.field_metadata("lead").await.unwrap_err();
    match &err {
        JingError::Reauthorize(e) => assert_eq!(e.code, ErrorCode::JingAuthFailed),
        other => panic!("expected Reauthorize, got {other:?}"),
    }
    assert_eq!(sink.count(), 0);
    assert_eq!(calls(&sim, "object_fields"), 0);
    // Neither the secret nor a token appears in what we show.
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("dead"), "{shown}");
}
