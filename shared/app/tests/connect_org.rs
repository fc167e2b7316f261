//! The authorization's edges: a forged callback does not cancel the real one, an unknown app
//! is a bad state, and disconnect keeps the org, the bindings and the JING secret — the same
//! org reconnects, another org is refused (even on an environment switch once records synced).

use app::connect::{self, ConnectDeps, ConnectError};
use app::fake_remote::FakeAuth;
use app::fakes::Fakes;
use app::ports::*;
use app::settings::{AppSettings, Environment};
use domain::{AppId, JingId, ObjectKind, SfId};
use jingsf_app as app;
use secrecy::{ExposeSecret, SecretString};

const ORG: &str = "00D5g000004ABCD";
const OTHER: &str = "00D000000000OTH";

fn acme() -> AppId {
    AppId::parse("acme").unwrap()
}

fn deps<'a>(f: &'a Fakes, auth: &'a FakeAuth) -> ConnectDeps<'a> {
    ConnectDeps {
        auth,
        settings: &f.settings,
        vault: &f.vault,
        cursors: &f.cursors,
        bindings: &f.bindings,
        clock: &f.clock,
    }
}

fn state_of(url: &str) -> String {
    let tail = url.split("state=").nth(1).unwrap();
    tail.split('&').next().unwrap().to_owned()
}

async fn installed(f: &Fakes) {
    let s = AppSettings {
        revision: 1,
        ..AppSettings::new(acme(), "Acme", Environment::Production, "jing", "59")
    };
    f.settings.put(&s).await.unwrap();
    f.vault
        .put(
            &acme(),
            SecretKind::JingAppSecret,
            &SecretString::from("jing-secret".to_owned()),
        )
        .await
        .unwrap();
}

async fn authorize(
    f: &Fakes,
    auth: &FakeAuth,
    switch: Option<Environment>,
) -> Result<(), ConnectError> {
    let url = connect::start(&deps(f, auth), &acme(), switch).await?;
    connect::finish(&deps(f, auth), &state_of(&url), FakeAuth::CODE)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_forged_callback_does_not_cancel_the_real_one() {
    let f = Fakes::new();
    installed(&f).await;
    let auth = FakeAuth::new(ORG);
    let url = connect::start(&deps(&f, &auth), &acme(), None)
        .await
        .unwrap();
    let forged = format!("acme.{}", "B".repeat(43));
    let r = connect::finish(&deps(&f, &auth), &forged, FakeAuth::CODE).await;
    assert_eq!(r, Err(ConnectError::BadState));
    let real = connect::finish(&deps(&f, &auth), &state_of(&url), FakeAuth::CODE).await;
    assert!(real.is_ok(), "the real callback still completes: {real:?}");
    // The PKCE verifier is single use: it does not outlive the flow.
    let verifier = f
        .vault
        .get(&acme(), SecretKind::PkceVerifier)
        .await
        .unwrap();
    assert!(verifier.is_none(), "the verifier is gone once used");
    let again = connect::finish(&deps(&f, &auth), &state_of(&url), FakeAuth::CODE).await;
    assert_eq!(again, Err(ConnectError::BadState), "a replayed callback");
}

#[tokio::test]
async fn a_state_naming_no_app_is_a_bad_state() {
    let f = Fakes::new();
    let auth = FakeAuth::new(ORG);
    for state in ["nosuchapp.x", "no-dot", "bad id!.x", ""] {
        let r = connect::finish(&deps(&f, &auth), state, FakeAuth::CODE).await;
        assert_eq!(r, Err(ConnectError::BadState), "state {state:?}");
    }
}

#[tokio::test]
async fn disconnect_keeps_the_org_the_bindings_and_the_jing_secret() {
    let f = Fakes::new();
    installed(&f).await;
    let auth = FakeAuth::new(ORG);
    authorize(&f, &auth, None).await.unwrap();
    let lead = Binding::new(
        acme(),
        ObjectKind::Lead,
        SfId::parse("00Q000000000001").unwrap(),
        JingId::parse("L1").unwrap(),
        time::OffsetDateTime::UNIX_EPOCH,
    );
    f.bindings.put(&lead, None).await.unwrap();

    connect::disconnect(&deps(&f, &auth), &acme())
        .await
        .unwrap();
    let s = f.settings.get(&acme()).await.unwrap().unwrap();
    assert!(s.authorized.is_none(), "no longer connected");
    assert_eq!(s.org().map(SfId::id15), Some(ORG), "org kept");
    for kind in [SecretKind::SfAccessToken, SecretKind::SfRefreshToken] {
        assert!(
            f.vault.get(&acme(), kind).await.unwrap().is_none(),
            "{kind:?} forgotten"
        );
    }
    let jing = f
        .vault
        .get(&acme(), SecretKind::JingAppSecret)
        .await
        .unwrap();
    assert_eq!(
        jing.unwrap().expose_secret(),
        "jing-secret",
        "JING secret kept"
    );
    assert_eq!(
        f.bindings.count(&acme(), ObjectKind::Lead).await.unwrap(),
        1
    );

    *auth.org.lock().unwrap() = SfId::parse(OTHER).unwrap();
    let other = authorize(&f, &auth, None).await;
    assert!(
        matches!(other, Err(ConnectError::DifferentOrg { .. })),
        "{other:?}"
    );
    let switched = authorize(&f, &auth, Some(Environment::Sandbox)).await;
    assert!(
        matches!(switched, Err(ConnectError::DifferentOrg { .. })),
        "an app that synced records never moves to another org: {switched:?}"
    );
    *auth.org.lock().unwrap() = SfId::parse(ORG).unwrap();
    let back = f.settings.get(&acme()).await.unwrap().unwrap();
    let env = (back.environment != Environment::Production).then_some(Environment::Production);
    authorize(&f, &auth, env).await.unwrap();
    let s = f.settings.get(&acme()).await.unwrap().unwrap();
    assert_eq!(s.authorized.as_ref().map(|a| a.org_id.id15()), Some(ORG));
}
