//! OAuth web-server flow: PKCE, single-use codes, token shape, refresh/rotation, expiry, revoke.

mod common;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const REDIRECT: &str = "https://app.example/callback";

fn cfg() -> SimConfig {
    SimConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..SimConfig::default()
    }
}

/// Run /authorize and return the (decoded) code.
async fn authorize(env: &Env, challenge: Option<&str>) -> String {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", "3MVG9SimConsumerKey"),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
        ("scope", "api refresh_token"),
    ];
    if let Some(c) = challenge {
        q.push(("code_challenge", c));
        q.push(("code_challenge_method", "S256"));
    }
    let resp = env
        .http
        .get(format!("{}/services/oauth2/authorize", env.sim.base_url()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(loc.as_str().starts_with(REDIRECT));
    let params: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    params["code"].clone()
}

async fn token(env: &Env, form: &[(&str, &str)]) -> (u16, Value) {
    send(
        env.http
            .post(format!("{}/services/oauth2/token", env.sim.base_url()))
            .form(form),
    )
    .await
}

fn code_form<'a>(code: &'a str, verifier: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", "3MVG9SimConsumerKey"),
        ("client_secret", "SimConsumerSecret"),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        f.push(("code_verifier", v));
    }
    f
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[tokio::test]
async fn pkce_code_exchange_returns_the_documented_shape() {
    let env = Env::with(cfg()).await;
    let verifier = "a-very-long-random-verifier-string-0123456789-abcdefghijkl";
    let code = authorize(&env, Some(&challenge(verifier))).await;
    assert!(
        code.ends_with("=="),
        "codes carry characters that need URL-decoding"
    );
    let (status, t) = token(&env, &code_form(&code, Some(verifier))).await;
    assert_eq!(status, 200, "{t}");
    assert!(t.get("expires_in").is_none());
    let issued = t["issued_at"].as_str().expect("issued_at is a string");
    assert_eq!(issued.len(), 13, "milliseconds");
    assert!(
        t["access_token"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}!", env.sim.org_id().id15()))
    );
    assert!(t["refresh_token"].as_str().is_some());
    assert_eq!(t["instance_url"], env.sim.base_url());
    assert_eq!(t["token_type"], "Bearer");
    let id_url = t["id"].as_str().unwrap();
    assert_eq!(
        id_url,
        format!(
            "{}/id/{}/{}",
            env.sim.base_url(),
            env.sim.org_id(),
            env.sim.integration_user_id()
        )
    );
    // signature = base64(HMAC-SHA256(secret, id + issued_at))
    use hmac::Mac;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"SimConsumerSecret").unwrap();
    mac.update(format!("{id_url}{issued}").as_bytes());
    assert_eq!(
        t["signature"],
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    // The identity URL answers with the bearer token.
    let (status, who) = send(
        env.http
            .get(id_url)
            .bearer_auth(t["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(who["organization_id"], env.sim.org_id().as_str());
    assert_eq!(who["user_id"], env.sim.integration_user_id().as_str());
    assert_eq!(env.sim.calls().kind("oauth_token"), 1);
    assert_eq!(
        env.sim.api_usage().used,
        0,
        "OAuth calls do not spend the API allocation"
    );
}

#[tokio::test]
async fn wrong_or_missing_verifier_is_refused_and_codes_are_single_use() {
    let env = Env::with(cfg()).await;
    let verifier = "right-verifier-right-verifier-right-verifier-1234";
    let code = authorize(&env, Some(&challenge(verifier))).await;
    let (status, body) = token(
        &env,
        &code_form(
            &code,
            Some("wrong-verifier-wrong-verifier-wrong-verifier-1234"),
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let code = authorize(&env, Some(&challenge(verifier))).await;
    let (status, body) = token(&env, &code_form(&code, None)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = authorize(&env, Some(&challenge(verifier))).await;
    let (status, _) = token(&env, &code_form(&code, Some(verifier))).await;
    assert_eq!(status, 200);
    let (status, body) = token(&env, &code_form(&code, Some(verifier))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "reused code"
    );
}

#[tokio::test]
async fn codes_expire_and_clients_are_checked() {
    let env = Env::with(cfg()).await;
    let code = authorize(&env, None).await;
    env.sim
        .advance_clock(std::time::Duration::from_secs(16 * 60));
    let (status, body) = token(&env, &code_form(&code, None)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let code = authorize(&env, None).await;
    let mut form = code_form(&code, None);
    form[4] = ("client_secret", "nope");
    let (status, body) = token(&env, &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client"))
    );
    // Basic credentials work in place of body credentials.
    let code = authorize(&env, None).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let resp = env
        .http
        .post(format!("{}/services/oauth2/token", env.sim.base_url()))
        .basic_auth("3MVG9SimConsumerKey", Some("SimConsumerSecret"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Unregistered redirect URIs never get a redirect.
    let resp = env
        .http
        .get(format!("{}/services/oauth2/authorize", env.sim.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", "3MVG9SimConsumerKey"),
            ("redirect_uri", "https://evil.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn expired_session_gives_401_then_refresh_works() {
    let env = Env::with(cfg()).await;
    let code = authorize(&env, None).await;
    let (_, t) = token(&env, &code_form(&code, None)).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let limits = env.url("/limits");
    assert_eq!(
        env.http
            .get(&limits)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    env.sim.expire_tokens();
    let (status, body) = send(env.http.get(&limits).bearer_auth(&access)).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}])
    );
    let (status, t2) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", "3MVG9SimConsumerKey"),
            ("client_secret", "SimConsumerSecret"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(t2.get("refresh_token").is_none(), "no rotation by default");
    assert_eq!(
        env.http
            .get(&limits)
            .bearer_auth(t2["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn idle_sessions_time_out_after_the_ttl() {
    let env = Env::new().await;
    let (status, _) = env.get("/limits").await;
    assert_eq!(status, 200);
    env.sim
        .advance_clock(std::time::Duration::from_secs(2 * 3600 + 1));
    let (status, _) = env.get("/limits").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn rotation_invalidates_the_old_refresh_token_and_revoke_kills_sessions() {
    let env = Env::with(SimConfig {
        rotate_refresh_tokens: true,
        ..cfg()
    })
    .await;
    let code = authorize(&env, None).await;
    let (_, t) = token(&env, &code_form(&code, None)).await;
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |rt: String| async move {
        vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), rt),
            ("client_id".to_owned(), "3MVG9SimConsumerKey".to_owned()),
            ("client_secret".to_owned(), "SimConsumerSecret".to_owned()),
        ]
    };
    let (status, t2) = send(
        env.http
            .post(format!("{}/services/oauth2/token", env.sim.base_url()))
            .form(&refresh(rt.clone()).await),
    )
    .await;
    assert_eq!(status, 200);
    let rt2 = t2["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(rt, rt2);
    let (status, body) = send(
        env.http
            .post(format!("{}/services/oauth2/token", env.sim.base_url()))
            .form(&refresh(rt).await),
    )
    .await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("expired access/refresh token"))
    );
    // Revoking the refresh token kills its sessions.
    let access = t2["access_token"].as_str().unwrap();
    let resp = env
        .http
        .post(format!("{}/services/oauth2/revoke", env.sim.base_url()))
        .form(&[("token", rt2.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        env.http
            .get(env.url("/limits"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let resp = env
        .http
        .post(format!("{}/services/oauth2/revoke", env.sim.base_url()))
        .form(&[("token", "bogus")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn sixth_grant_revokes_the_oldest_refresh_token() {
    let env = Env::with(cfg()).await;
    let mut rts = vec![];
    for _ in 0..6 {
        let code = authorize(&env, None).await;
        let (_, t) = token(&env, &code_form(&code, None)).await;
        rts.push(t["refresh_token"].as_str().unwrap().to_owned());
    }
    let form = |rt: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", rt.to_owned()),
            ("client_id", "3MVG9SimConsumerKey".to_owned()),
            ("client_secret", "SimConsumerSecret".to_owned()),
        ]
    };
    let url = format!("{}/services/oauth2/token", env.sim.base_url());
    let (status, _) = send(env.http.post(&url).form(&form(&rts[0]))).await;
    assert_eq!(status, 400, "oldest grant revoked");
    let (status, _) = send(env.http.post(&url).form(&form(&rts[5]))).await;
    assert_eq!(status, 200);
}
