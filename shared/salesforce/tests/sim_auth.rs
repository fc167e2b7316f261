//! OAuth against the simulator: PKCE, wrong verifier, identity, refresh-and-retry on expiry,
//! rotation handed to the sink, revoke.

mod sim_support;

use jingsf_salesforce as salesforce;
use salesforce::{Pkce, SfClient, SfError};
use secrecy::ExposeSecret;
use sf_sim::{SfSim, SimConfig};
use sim_support::*;

#[tokio::test]
async fn pkce_authorization_yields_tokens_and_identity() {
    let cfg = SimConfig::default();
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let tokens = authorized_tokens(&sim, &cfg).await;
    assert_eq!(tokens.instance_url, sim.base_url());
    assert!(
        tokens.refresh_token.is_some(),
        "refresh_token scope was requested"
    );
    assert_eq!(tokens.org_id().unwrap(), sim.org_id());

    let identity = oauth(&sim, &cfg).identity(&tokens).await.unwrap();
    assert_eq!(identity.user_id, sim.integration_user_id());
    assert_eq!(identity.org_id, sim.org_id());
    assert_eq!(identity.email, "integration@acme.example");
    assert!(!identity.username.is_empty());
    assert_eq!(sim.calls().kind("oauth_token"), 1);
}

#[tokio::test]
async fn wrong_verifier_is_refused_and_burns_the_code() {
    let cfg = SimConfig::default();
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let pkce = Pkce::generate();
    let (code, _) = authorize(&sim, &cfg, &pkce).await;
    let other = Pkce::generate();
    let err = oauth(&sim, &cfg)
        .exchange_code(&code, &other.verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SfError::OAuth { status: 400, error, .. } if error == "invalid_request"),
        "{err:?}"
    );

    // Codes are single-use: even the right verifier is too late now.
    let err = oauth(&sim, &cfg)
        .exchange_code(&code, &pkce.verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SfError::OAuth { error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::NeedsReauthorization
    );
}

#[tokio::test]
async fn wrong_client_secret_is_typed() {
    let cfg = SimConfig::default();
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let pkce = Pkce::generate();
    let (code, _) = authorize(&sim, &cfg, &pkce).await;
    let bad = SimConfig {
        client_secret: "wrong".into(),
        ..cfg.clone()
    };
    let err = oauth(&sim, &bad)
        .exchange_code(&code, &pkce.verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SfError::OAuth { error, .. } if error == "invalid_client"),
        "{err:?}"
    );
}

#[tokio::test]
async fn expired_session_is_refreshed_once_and_the_call_succeeds() {
    let c = connect().await;
    c.client.limits().await.unwrap();
    c.sim.expire_tokens();
    let limits = c.client.limits().await.unwrap();
    assert_eq!(limits.max, 15_000);

    assert_eq!(
        c.sim.calls().kind("oauth_token"),
        2,
        "code exchange + exactly one refresh"
    );
    let usage = c.client.usage();
    assert_eq!(usage.token_refreshes, 1);
    assert_eq!(
        usage.calls_made_by_this_client, 3,
        "limits, refused limits, replayed limits"
    );
    let saved = c.sink.0.lock().unwrap().clone();
    assert_eq!(saved.len(), 1);
    let (access, refresh, rotated) = &saved[0];
    assert_ne!(access, c.tokens.access_token.expose_secret());
    assert_eq!(
        refresh.as_deref(),
        c.tokens.refresh_token.as_ref().map(|t| t.expose_secret())
    );
    assert!(!rotated, "without rotation the old refresh token is kept");
}

#[tokio::test]
async fn rotated_refresh_token_is_handed_over_and_the_old_one_dies() {
    let cfg = SimConfig {
        rotate_refresh_tokens: true,
        ..SimConfig::default()
    };
    let c = connect_with(cfg, fast()).await;
    c.sim.expire_tokens();
    c.client.limits().await.unwrap();

    let saved = c.sink.0.lock().unwrap().clone();
    let (_, new_rt, rotated) = saved.last().cloned().unwrap();
    assert!(rotated);
    let old_rt = c.tokens.refresh_token.clone().unwrap();
    let new_rt = new_rt.unwrap();
    assert_ne!(new_rt, old_rt.expose_secret());

    // The client now holds the new one: a second expiry refreshes fine.
    c.sim.expire_tokens();
    c.client.limits().await.unwrap();
    assert_eq!(c.client.usage().token_refreshes, 2);
    // Whoever kept the old refresh token is locked out.
    let err = oauth(&c.sim, &c.cfg).refresh(&old_rt).await.unwrap_err();
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::NeedsReauthorization
    );
}

#[tokio::test]
async fn revoked_refresh_token_ends_in_reauthorization() {
    let c = connect().await;
    let rt = c.tokens.refresh_token.clone().unwrap();
    oauth(&c.sim, &c.cfg).revoke(&rt).await.unwrap();
    let err = c.client.limits().await.unwrap_err();
    assert!(c.client.usage().token_refreshes <= 1);
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (
            domain::ErrorCode::NeedsReauthorization,
            domain::NextStep::Reauthorize
        )
    );
}

#[tokio::test]
async fn a_client_without_refresh_token_reports_session_invalid() {
    let cfg = SimConfig::default();
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let mut tokens = authorized_tokens(&sim, &cfg).await;
    tokens.refresh_token = None;
    let client = SfClient::builder(oauth(&sim, &cfg), tokens)
        .options(fast())
        .build();
    sim.expire_tokens();
    let err = client.limits().await.unwrap_err();
    assert!(matches!(err, SfError::SessionInvalid), "{err:?}");
}
