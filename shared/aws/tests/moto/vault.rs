//! The shared vault contract on Secrets Manager, the per-container cache, and purge.

use crate::common::{moto, unique};
use app::contract::{self, app};
use app::ports::{SecretKind, TokenVault};
use aws::secrets::SecretsVault;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_vault_passes_the_contract() {
    let m = moto().await;
    contract::token_vault(&SecretsVault::new(
        m.clients.secrets.clone(),
        unique("jv"),
        LONG,
    ))
    .await;
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

async fn read(v: &SecretsVault, kind: SecretKind) -> Option<String> {
    v.get(&app("vault-cache"), kind)
        .await
        .unwrap()
        .map(|s| s.expose_secret().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_cached_per_container_and_a_put_replaces_the_cached_value() {
    let m = moto().await;
    let prefix = unique("jv");
    let a = app("vault-cache");
    let one = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    let two = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    let kind = SecretKind::JingAppSecret;
    one.put(&a, kind, &secret("r1")).await.unwrap();
    m.counter.reset();
    assert_eq!(read(&one, kind).await.as_deref(), Some("r1"));
    assert_eq!(m.counter.total(), 0, "the writer's own cache answers");
    for _ in 0..3 {
        assert_eq!(read(&two, kind).await.as_deref(), Some("r1"));
    }
    assert_eq!(
        m.counter.snapshot().get("secretsmanager.GetSecretValue"),
        Some(&1),
        "one fetch, then cached"
    );
    one.put(&a, kind, &secret("r2")).await.unwrap();
    assert_eq!(
        read(&one, kind).await.as_deref(),
        Some("r2"),
        "a put updates the cache"
    );
    assert_eq!(
        read(&two, kind).await.as_deref(),
        Some("r1"),
        "another container keeps its copy"
    );
    two.invalidate(&a, kind);
    assert_eq!(
        read(&two, kind).await.as_deref(),
        Some("r2"),
        "until it invalidates"
    );
}

/// What one function writes and another reads at once (the admin API starts an authorization,
/// the callback function finishes it; a reconnect replaces the tokens) is never cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salesforce_tokens_and_the_pkce_verifier_are_always_read_fresh() {
    let m = moto().await;
    let prefix = unique("jv");
    let a = app("vault-cache");
    let one = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    let two = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    for kind in [
        SecretKind::PkceVerifier,
        SecretKind::SfRefreshToken,
        SecretKind::SfAccessToken,
    ] {
        one.put(&a, kind, &secret("first")).await.unwrap();
        assert_eq!(read(&two, kind).await.as_deref(), Some("first"));
        one.put(&a, kind, &secret("second")).await.unwrap();
        assert_eq!(
            read(&two, kind).await.as_deref(),
            Some("second"),
            "{kind:?} read fresh"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_values_expire_after_the_ttl() {
    let m = moto().await;
    let prefix = unique("jv");
    let a = app("vault-cache");
    let writer = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    let reader = SecretsVault::new(m.clients.secrets.clone(), &prefix, Duration::ZERO);
    writer
        .put(&a, SecretKind::WebhookToken, &secret("t1"))
        .await
        .unwrap();
    assert_eq!(
        read(&reader, SecretKind::WebhookToken).await.as_deref(),
        Some("t1")
    );
    writer
        .put(&a, SecretKind::WebhookToken, &secret("t2"))
        .await
        .unwrap();
    assert_eq!(
        read(&reader, SecretKind::WebhookToken).await.as_deref(),
        Some("t2"),
        "a zero TTL always refetches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_deletes_the_secrets_for_good() {
    let m = moto().await;
    let prefix = unique("jv");
    let (a, b) = (app("vault-purge-a"), app("vault-purge-b"));
    let v = SecretsVault::new(m.clients.secrets.clone(), &prefix, LONG);
    v.put(&a, SecretKind::SfRefreshToken, &secret("x"))
        .await
        .unwrap();
    v.put(&a, SecretKind::WebhookSigningSecret, &secret("y"))
        .await
        .unwrap();
    v.put(&b, SecretKind::SfRefreshToken, &secret("z"))
        .await
        .unwrap();
    v.purge(&a).await.unwrap();
    // Every page: moto holds the secrets of every other test too.
    let mut names: Vec<String> = Vec::new();
    let mut pages = m
        .clients
        .secrets
        .list_secrets()
        .include_planned_deletion(true)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        names.extend(
            page.unwrap()
                .secret_list()
                .iter()
                .filter_map(|s| s.name().map(str::to_owned))
                .filter(|n| n.starts_with(&prefix)),
        );
    }
    assert_eq!(
        names,
        vec![v.secret_name(&b, SecretKind::SfRefreshToken)],
        "a's secrets are gone, not scheduled"
    );
    v.put(&a, SecretKind::SfRefreshToken, &secret("again"))
        .await
        .expect("the name is free at once");
}
