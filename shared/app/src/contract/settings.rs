//! Contracts of [`SettingsStore`], [`TokenVault`] and [`Mailer`].

use super::fixtures::*;
use crate::fakes::MemMailer;
use crate::ports::{Mail, Mailer, SecretKind, SettingsStore, StoreError, TokenVault};
use crate::settings::{AppSettings, AuthorizedAccount, Environment, InitState};
use async_trait::async_trait;
use domain::AppId;
use secrecy::{ExposeSecret, SecretString};

fn settings(app: &AppId, revision: u64) -> AppSettings {
    let mut s = AppSettings::new(
        app.clone(),
        "华东销售",
        Environment::MyDomain("acme.my.salesforce.com".into()),
        "jing-app-1",
        "tenant-9",
    );
    s.revision = revision;
    s.department = Some("市场部".into());
    s.admin_email = Some("admin@example.cn".into());
    s.init = InitState::Running {
        done: 10,
        total: 200,
    };
    s.authorized = Some(AuthorizedAccount {
        username: "integration@acme.com".into(),
        user_id: sf_id("005", 1),
        org_id: sf_id("00D", 1),
        instance_url: "https://acme.my.salesforce.com".into(),
        at: at(0),
    });
    s
}

/// Revision-checked saves (stale revision → Conflict), list, delete, app isolation.
pub async fn settings_store(store: &dyn SettingsStore) {
    saves_are_revision_checked(store).await;
    list_and_delete_are_per_app(store).await;
    pauses_are_read_back_and_resumed_by_a_save(store).await;
}

fn pause(object: domain::ObjectKind, code: domain::ErrorCode) -> crate::settings::Pause {
    crate::settings::Pause {
        object,
        direction: domain::Direction::JingToSf,
        reason: domain::SyncError::new(code),
    }
}

/// `pause` stops a direction without a revision (the workers' way); every read shows it, the
/// first reason stays, a save without it resumes it, and it goes with the app.
async fn pauses_are_read_back_and_resumed_by_a_save(store: &dyn SettingsStore) {
    use domain::{Direction, ErrorCode, ObjectKind};
    let a = app("settings-pause");
    store.put(&settings(&a, 1)).await.unwrap();
    let breaker = pause(ObjectKind::Lead, ErrorCode::CircuitOpen);
    store
        .pause(&a, std::slice::from_ref(&breaker))
        .await
        .unwrap();
    store
        .pause(&a, &[pause(ObjectKind::Lead, ErrorCode::OrgChanged)])
        .await
        .unwrap();
    let got = store.get(&a).await.unwrap().unwrap();
    assert_eq!(
        got.paused,
        vec![breaker.clone()],
        "one pause, its first reason"
    );
    let listed = store.list().await.unwrap();
    let mine = listed.iter().find(|s| s.app == a).unwrap();
    assert!(mine.is_paused(ObjectKind::Lead, Direction::JingToSf));
    // An admin saves unrelated settings: the pause stays.
    let mut renamed = got.clone();
    renamed.name = "renamed".into();
    renamed.revision += 1;
    store.put(&renamed).await.unwrap();
    let got = store.get(&a).await.unwrap().unwrap();
    assert!(
        got.is_paused(ObjectKind::Lead, Direction::JingToSf),
        "kept by a save"
    );
    // An admin resumes: gone for good.
    let mut resumed = got.clone();
    resumed.paused.clear();
    resumed.revision += 1;
    store.put(&resumed).await.unwrap();
    let got = store.get(&a).await.unwrap().unwrap();
    assert!(got.paused.is_empty(), "resumed: {:?}", got.paused);
    store.pause(&a, &[breaker]).await.unwrap();
    store.delete(&a).await.unwrap();
    assert!(store.get(&a).await.unwrap().is_none());
    store.put(&settings(&a, 1)).await.unwrap();
    assert!(
        store.get(&a).await.unwrap().unwrap().paused.is_empty(),
        "a deleted app's pauses went with it"
    );
    store.delete(&a).await.unwrap();
}

async fn saves_are_revision_checked(store: &dyn SettingsStore) {
    let a = app("settings-a");
    assert!(
        store.get(&a).await.unwrap().is_none(),
        "unknown app has no settings"
    );
    expect_conflict(
        store.put(&settings(&a, 0)).await,
        "first save must be revision 1, not 0",
    );
    expect_conflict(
        store.put(&settings(&a, 2)).await,
        "first save must be revision 1, not 2",
    );
    let v1 = settings(&a, 1);
    store.put(&v1).await.expect("first save at revision 1");
    assert_eq!(
        store.get(&a).await.unwrap(),
        Some(v1.clone()),
        "settings round-trip exactly"
    );
    expect_conflict(store.put(&v1).await, "saving the same revision twice");
    let bump = |name: &str| AppSettings {
        revision: 2,
        name: name.to_owned(),
        ..v1.clone()
    };
    store
        .put(&bump("v2"))
        .await
        .expect("the next revision saves");
    // Two admins both read revision 2 and save 3: the second loses.
    let admin_one = AppSettings {
        revision: 3,
        ..bump("one")
    };
    let admin_two = AppSettings {
        revision: 3,
        ..bump("two")
    };
    store.put(&admin_one).await.unwrap();
    let stale = store.put(&admin_two).await;
    expect_conflict(stale, "the second admin's save from a stale revision");
    let kept = store.get(&a).await.unwrap().map(|s| s.name);
    assert_eq!(kept.as_deref(), Some("one"), "the first save is kept");
    expect_conflict(
        store.put(&settings(&a, 1)).await,
        "going back to revision 1",
    );
}

async fn list_and_delete_are_per_app(store: &dyn SettingsStore) {
    let (a, b) = (app("settings-list-a"), app("settings-list-b"));
    store.put(&settings(&a, 1)).await.unwrap();
    store
        .put(&settings(&b, 1))
        .await
        .expect("another app has its own revisions");
    let apps: Vec<AppId> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.app)
        .collect();
    assert!(
        apps.contains(&a) && apps.contains(&b),
        "list holds both apps: {apps:?}"
    );
    assert_eq!(
        apps.iter().filter(|x| **x == a).count(),
        1,
        "one entry per app"
    );
    store.delete(&a).await.unwrap();
    assert!(store.get(&a).await.unwrap().is_none(), "deleted");
    let listed = store.list().await.unwrap();
    assert!(!listed.iter().any(|s| s.app == a), "deleted app not listed");
    let b_revision = store.get(&b).await.unwrap().map(|s| s.revision);
    assert_eq!(b_revision, Some(1), "delete is per app");
    store.delete(&a).await.expect("deleting twice is fine");
    let again = store.put(&settings(&a, 1)).await;
    again.expect("a deleted app starts again at revision 1");
}

fn expect_conflict(r: Result<(), StoreError>, what: &str) {
    assert!(
        matches!(r, Err(StoreError::Conflict(_))),
        "{what}: expected Conflict, got {r:?}"
    );
}

/// Put/get/overwrite per (app, kind); purge forgets one app's secrets only.
pub async fn token_vault(vault: &dyn TokenVault) {
    use SecretKind::{JingTokens, SfAccessToken, SfRefreshToken};
    let (a, b) = (app("vault-a"), app("vault-b"));
    let check = |app: &AppId, kind: SecretKind, expected: Option<&str>, what: &str| {
        let (app, what, expected) = (app.clone(), what.to_owned(), expected.map(str::to_owned));
        async move {
            let got = vault.get(&app, kind).await.unwrap();
            let got = got.map(|s| s.expose_secret().to_owned());
            assert_eq!(got, expected, "vault: {what}");
        }
    };
    let put = |app: &AppId, kind: SecretKind, value: &str| {
        let (app, value) = (app.clone(), SecretString::from(value.to_owned()));
        async move { vault.put(&app, kind, &value).await.unwrap() }
    };
    check(&a, SfRefreshToken, None, "nothing stored yet").await;
    put(&a, SfRefreshToken, "5Aep861-refresh").await;
    put(&a, JingTokens, r#"{"access":"x"}"#).await;
    put(&b, SfRefreshToken, "b-refresh").await;
    check(&a, SfRefreshToken, Some("5Aep861-refresh"), "round trip").await;
    check(
        &a,
        JingTokens,
        Some(r#"{"access":"x"}"#),
        "round trip (JSON)",
    )
    .await;
    check(&a, SfAccessToken, None, "kinds are separate").await;
    put(&a, SfRefreshToken, "rotated").await;
    check(&a, SfRefreshToken, Some("rotated"), "rotation overwrites").await;
    vault.remove(&a, SfRefreshToken).await.unwrap();
    check(&a, SfRefreshToken, None, "remove forgets the kind").await;
    check(
        &a,
        JingTokens,
        Some(r#"{"access":"x"}"#),
        "remove keeps other kinds",
    )
    .await;
    check(&b, SfRefreshToken, Some("b-refresh"), "remove is per app").await;
    vault
        .remove(&a, SfRefreshToken)
        .await
        .expect("removing twice is fine");
    put(&a, SfRefreshToken, "after-remove").await;
    check(
        &a,
        SfRefreshToken,
        Some("after-remove"),
        "a removed kind can be set again",
    )
    .await;
    vault.purge(&a).await.unwrap();
    check(&a, SfRefreshToken, None, "purge forgets").await;
    check(&a, JingTokens, None, "purge forgets every kind").await;
    check(&b, SfRefreshToken, Some("b-refresh"), "purge is per app").await;
    vault.purge(&a).await.expect("purging twice is fine");
}

/// Where a suite reads back what a mailer delivered.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Every mail delivered so far, oldest first.
    async fn delivered(&self) -> Vec<Mail>;
}

#[async_trait]
impl Outbox for MemMailer {
    async fn delivered(&self) -> Vec<Mail> {
        self.sent()
    }
}

/// Every mail sent is delivered intact (UTF-8 subject and bodies), in order.
pub async fn mailer(mailer: &dyn Mailer, outbox: &dyn Outbox) {
    let digest = Mail {
        to: "admin@example.cn".into(),
        subject: "同步错误摘要: 3 条失败 (JING ⇄ Salesforce)".into(),
        text: "3 条线索同步失败。\n请查看失败列表。\n".into(),
        html: "<p>3 条线索同步失败。</p>\n<p><a href=\"https://x.example/errors\">失败列表</a></p>"
            .into(),
    };
    let second = Mail {
        subject: "Plain ASCII subject".into(),
        ..digest.clone()
    };
    let before = outbox.delivered().await.len();
    mailer
        .send(&digest)
        .await
        .expect("a valid mail is accepted");
    mailer
        .send(&second)
        .await
        .expect("a second mail is accepted");
    let delivered = outbox.delivered().await;
    assert_eq!(delivered.len(), before + 2, "both mails delivered");
    assert_eq!(delivered[before], digest, "the mail arrives intact");
    assert_eq!(delivered[before + 1], second, "in order");
}
