//! get-token (path ASSUMED) and refresh (KNOWN): tokens expire, refresh tokens live 30 days and
//! rotate (the old refresh token stops working once used).

use crate::schema::Refusal;
use crate::state::{State, uuid};
use jing::contract::codes;
use serde_json::{Value as Json, json};

fn credentials_ok(st: &State, body: &Json) -> Result<(), Refusal> {
    let app_id = body.get("app_id").and_then(Json::as_str);
    let secret = body.get("app_secret").and_then(Json::as_str);
    if app_id != Some(st.cfg.app_id.as_str()) || secret != Some(st.cfg.app_secret.as_str()) {
        return Err(Refusal::new(
            codes::INVALID_CREDENTIALS,
            "invalid app_id or app_secret",
            None,
        ));
    }
    Ok(())
}

fn issue(st: &mut State, now_ms: i64) -> Json {
    let access = uuid();
    let refresh = uuid();
    let ttl = st.cfg.token_ttl.as_millis() as i64;
    st.access.insert(access.clone(), now_ms + ttl);
    st.refresh.insert(
        refresh.clone(),
        now_ms + st.cfg.refresh_ttl.as_millis() as i64,
    );
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "scope": "all",
        "token_type": "bearer",
        "expires_in": st.cfg.token_ttl.as_secs(),
    })
}

pub fn get_token(st: &mut State, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    credentials_ok(st, body)?;
    Ok(issue(st, now_ms))
}

pub fn refresh(st: &mut State, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    credentials_ok(st, body)?;
    let presented = body
        .get("refresh_token")
        .and_then(Json::as_str)
        .unwrap_or_default();
    match st.refresh.remove(presented) {
        Some(exp) if exp > now_ms => Ok(issue(st, now_ms)),
        _ => Err(Refusal::new(
            codes::REFRESH_TOKEN_INVALID,
            "refresh_token invalid or expired",
            None,
        )),
    }
}

/// Business calls: `app_id` and a live `access_token` header.
pub fn authorize(
    st: &State,
    app_id: Option<&str>,
    token: Option<&str>,
    now_ms: i64,
) -> Result<(), Refusal> {
    if app_id != Some(st.cfg.app_id.as_str()) {
        return Err(Refusal::new(
            codes::INVALID_CREDENTIALS,
            "invalid app_id",
            None,
        ));
    }
    match token.and_then(|t| st.access.get(t)) {
        Some(exp) if *exp > now_ms => Ok(()),
        _ => Err(Refusal::new(
            codes::ACCESS_TOKEN_INVALID,
            "access_token invalid or expired",
            None,
        )),
    }
}
