//! The web-server flow: authorize (auto-approve), token (code + PKCE, refresh with optional
//! rotation, 5-grant cap), revoke.

use super::{CodeGrant, random};
use crate::state::{Org, Shared};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use domain::ids::SfId;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        json!({"error": error, "error_description": description}).to_string(),
    )
        .into_response()
}

fn bad(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// `GET /services/oauth2/authorize` — the integration user approves at once.
pub async fn authorize(
    State(sim): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut org = sim.lock();
    org.usage.note("oauth_authorize");
    if q.get("client_id") != Some(&org.cfg.client_id) {
        return (
            StatusCode::BAD_REQUEST,
            "error=invalid_client_id&error_description=client%20identifier%20invalid",
        )
            .into_response();
    }
    let Some(redirect) = q
        .get("redirect_uri")
        .filter(|r| org.cfg.redirect_uris.is_empty() || org.cfg.redirect_uris.contains(r))
    else {
        return (StatusCode::BAD_REQUEST, "error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration").into_response();
    };
    let state = q.get("state").cloned().unwrap_or_default();
    let back = |params: &[(&str, &str)]| {
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let qs = serde_urlencoded::to_string(params).unwrap_or_default();
        (
            StatusCode::FOUND,
            [(header::LOCATION, format!("{redirect}{sep}{qs}"))],
        )
            .into_response()
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return back(&[
            ("error", "unsupported_response_type"),
            ("error_description", "response type not supported"),
            ("state", &state),
        ]);
    }
    let method = q
        .get("code_challenge_method")
        .map(String::as_str)
        .unwrap_or("S256");
    if method != "S256" {
        return back(&[
            ("error", "invalid_request"),
            ("error_description", "invalid code_challenge_method"),
            ("state", &state),
        ]);
    }
    // Real codes carry characters that arrive URL-encoded (`%3D`): clients must decode once.
    let code = format!("aPrx{}==", random(60));
    let grant = CodeGrant {
        client_id: org.cfg.client_id.clone(),
        redirect_uri: redirect.clone(),
        challenge: q.get("code_challenge").cloned(),
        scope: q
            .get("scope")
            .cloned()
            .unwrap_or_else(|| "api refresh_token".to_owned()),
        user: org.integration_user.clone(),
        issued: org.clock.now(),
        used: false,
    };
    org.oauth.codes.insert(code.clone(), grant);
    back(&[("code", &code), ("state", &state)])
}

/// `POST /services/oauth2/token`
pub async fn token(State(sim): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut org = sim.lock();
    org.usage.note("oauth_token");
    let form_ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form: HashMap<String, String> = match serde_urlencoded::from_str(&body) {
        Ok(f) if form_ct => f,
        _ => return bad("unsupported_grant_type", "grant type not supported"),
    };
    let (client_id, secret) = client_credentials(&headers, &form);
    let Some(grant_type) = form.get("grant_type") else {
        return bad("invalid_request", "grant type is missing");
    };
    if client_id.as_deref() != Some(org.cfg.client_id.as_str()) {
        return bad("invalid_client_id", "client identifier invalid");
    }
    if secret.as_deref() != Some(org.cfg.client_secret.as_str()) {
        return bad("invalid_client", "invalid client credentials");
    }
    match grant_type.as_str() {
        "authorization_code" => code_grant(&mut org, &form),
        "refresh_token" => refresh_grant(&mut org, &form),
        _ => bad("unsupported_grant_type", "grant type not supported"),
    }
}

fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            form.get("client_id").cloned(),
            form.get("client_secret").cloned(),
        ),
    }
}

fn code_grant(org: &mut Org, form: &HashMap<String, String>) -> Response {
    let now = org.clock.now();
    let ttl = org.cfg.code_ttl;
    let Some(grant) = form.get("code").and_then(|c| org.oauth.codes.get_mut(c)) else {
        return bad("invalid_grant", "invalid authorization code");
    };
    if grant.used {
        return bad("invalid_grant", "invalid authorization code");
    }
    // Any presentation burns the code, as a one-time credential must.
    grant.used = true;
    if now - grant.issued > ttl {
        return bad("invalid_grant", "expired authorization code");
    }
    if grant.client_id != org.cfg.client_id {
        return bad("invalid_grant", "invalid authorization code");
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return bad(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    }
    if let Some(challenge) = &grant.challenge {
        let Some(verifier) = form.get("code_verifier") else {
            return bad("invalid_grant", "invalid code verifier");
        };
        if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
            return bad("invalid_request", "invalid code verifier");
        }
    }
    let (user, scope) = (grant.user.clone(), grant.scope.clone());
    let wants_refresh = scope
        .split(' ')
        .any(|s| s == "refresh_token" || s == "offline_access");
    let client_id = org.cfg.client_id.clone();
    let refresh = wants_refresh.then(|| org.oauth.mint_refresh(&user, &client_id, &scope));
    token_response(org, &user, &scope, refresh.clone(), refresh)
}

fn refresh_grant(org: &mut Org, form: &HashMap<String, String>) -> Response {
    let Some(rt) = form.get("refresh_token") else {
        return bad("invalid_grant", "expired access/refresh token");
    };
    let (user, scope) = match org.oauth.refresh.get(rt) {
        Some(r) if !r.dead && r.client_id == org.cfg.client_id => (r.user.clone(), r.scope.clone()),
        _ => return bad("invalid_grant", "expired access/refresh token"),
    };
    if org.cfg.rotate_refresh_tokens {
        org.oauth.revoke_refresh(rt);
        let client_id = org.cfg.client_id.clone();
        let new_rt = org.oauth.mint_refresh(&user, &client_id, &scope);
        return token_response(org, &user, &scope, Some(new_rt.clone()), Some(new_rt));
    }
    token_response(org, &user, &scope, Some(rt.clone()), None)
}

/// The §2.3 shape: `issued_at` a string of ms, `signature` over id+issued_at, no `expires_in`.
fn token_response(
    org: &mut Org,
    user: &SfId,
    scope: &str,
    session_of: Option<String>,
    new_refresh: Option<String>,
) -> Response {
    let now = org.clock.now_precise();
    let access = org
        .oauth
        .mint_access(&org.org_id.clone(), user, org.clock.now(), session_of);
    let id_url = org.identity_url(user);
    let issued_at = domain::datetime::epoch_millis(now).to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(org.cfg.client_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("{id_url}{issued_at}").as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let mut body = json!({
        "access_token": access, "signature": signature, "scope": scope,
        "instance_url": org.base_url, "id": id_url, "token_type": "Bearer", "issued_at": issued_at,
    });
    if let Some(rt) = new_refresh {
        body["refresh_token"] = Value::String(rt);
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// `POST /services/oauth2/revoke` (form `token=`): 200 empty, or 400 `invalid_token`.
pub async fn revoke(State(sim): State<Shared>, body: String) -> Response {
    let mut org = sim.lock();
    org.usage.note("oauth_revoke");
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let Some(token) = form.get("token") else {
        return bad("unsupported_token_type", "this token type is not supported");
    };
    if org.oauth.refresh.contains_key(token) {
        org.oauth.revoke_refresh(token);
        return StatusCode::OK.into_response();
    }
    match org.oauth.access.get_mut(token) {
        Some(a) => {
            a.dead = true;
            StatusCode::OK.into_response()
        }
        None => bad("invalid_token", "invalid token"),
    }
}
