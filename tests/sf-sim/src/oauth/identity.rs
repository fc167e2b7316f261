//! The identity URL (`/id/{org}/{user}`) and OIDC userinfo, both behind a bearer token.

use crate::state::{Org, Shared};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ids::SfId;
use serde_json::{Value, json};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("OAuth "))
        .map(str::trim)
}

/// The user behind the request's bearer token, touching the session.
pub fn session_user(org: &mut Org, headers: &HeaderMap) -> Option<SfId> {
    let token = bearer(headers)?;
    let now = org.clock.now();
    let ttl = org.cfg.token_ttl;
    org.oauth.authenticate(token, now, ttl)
}

/// `GET /id/{orgId}/{userId}`
pub async fn identity(
    State(sim): State<Shared>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut org = sim.lock();
    org.usage.note("identity");
    let Some(user) = session_user(&mut org, &headers) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let same = |raw: &str, id: &SfId| SfId::parse(raw).is_ok_and(|p| p == *id);
    if !same(&org_id, &org.org_id) || !same(&user_id, &user) {
        return (StatusCode::FORBIDDEN, "Bad_Id").into_response();
    }
    let body = identity_body(&org, &user);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn identity_body(org: &Org, user: &SfId) -> Value {
    let row = org.store.get("User", user);
    let text = |f: &str| row.and_then(|r| r.text(f)).map(str::to_owned);
    let base = &org.base_url;
    let org15 = org.org_id.id15();
    json!({
        "id": org.identity_url(user), "asserted_user": true, "user_id": user.as_str(),
        "organization_id": org.org_id.as_str(), "username": text("Username"),
        "nick_name": text("Alias"), "display_name": text("Name"), "email": text("Email"),
        "email_verified": true, "first_name": text("FirstName"), "last_name": text("LastName"),
        "timezone": "Asia/Shanghai", "mobile_phone": text("MobilePhone"), "mobile_phone_verified": false,
        "status": {"created_date": null, "body": null},
        "urls": {
            "enterprise": format!("{base}/services/Soap/c/{{version}}/{org15}"),
            "partner": format!("{base}/services/Soap/u/{{version}}/{org15}"),
            "rest": format!("{base}/services/data/v{{version}}/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
            "query": format!("{base}/services/data/v{{version}}/query/"),
        },
        "active": true, "user_type": "STANDARD", "language": "zh_CN", "locale": "zh_CN",
        "utcOffset": 28_800_000, "last_modified_date": text("LastModifiedDate"), "is_app_installed": true,
    })
}

/// `GET /services/oauth2/userinfo` (OIDC).
pub async fn userinfo(State(sim): State<Shared>, headers: HeaderMap) -> Response {
    let mut org = sim.lock();
    org.usage.note("userinfo");
    let Some(user) = session_user(&mut org, &headers) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let email = org
        .store
        .get("User", &user)
        .and_then(|r| r.text("Email"))
        .map(str::to_owned);
    let body = json!({"sub": org.identity_url(&user), "user_id": user.as_str(), "organization_id": org.org_id.as_str(), "email": email, "preferred_username": email});
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}
