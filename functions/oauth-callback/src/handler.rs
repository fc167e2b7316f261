//! HTTP API v2 → `app::connect::{start, finish}`.

use app::connect::{ConnectError, finish, start};
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use domain::AppId;
use kit::Kit;
use kit::apigw::{self, json, text};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The function's state: the kit and the admin token guarding the connect route.
pub struct OAuthFunction {
    pub kit: Kit,
    pub admin_token: SecretString,
}

pub async fn handle(f: &OAuthFunction, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let method = req.request_context.http.method.as_str().to_owned();
    let route = req.route_key.as_deref().unwrap_or_default();
    match (method.as_str(), route) {
        ("POST", "POST /apps/{app}/connect") => connect(f, &req).await,
        ("GET", "GET /oauth/callback") => callback(&f.kit, &req).await,
        _ => text(404, "no such route"),
    }
}

/// `Authorization: Bearer <admin token>`, compared in constant time.
fn authorized(f: &OAuthFunction, req: &ApiGatewayV2httpRequest) -> bool {
    let presented = apigw::header(req, "authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = f.admin_token.expose_secret().as_bytes();
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected))
}

async fn connect(f: &OAuthFunction, req: &ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    if !authorized(f, req) {
        return text(401, "admin token missing or wrong");
    }
    let Some(app) = apigw::path_param(req, "app").and_then(|a| AppId::parse(a).ok()) else {
        return text(404, "unknown app");
    };
    let auth = f.kit.sf_auth();
    match start(&f.kit.connect_deps(&auth), &app, None).await {
        Ok(url) => json(200, &serde_json::json!({ "authorize_url": url })),
        Err(e) => error_response(&e),
    }
}

async fn callback(kit: &Kit, req: &ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    if let Some(err) = apigw::query(req, "error") {
        let detail = apigw::query(req, "error_description").unwrap_or_default();
        return text(
            400,
            format!("Salesforce refused the authorization: {err} {detail}"),
        );
    }
    let (Some(code), Some(state)) = (apigw::query(req, "code"), apigw::query(req, "state")) else {
        return text(400, "missing code or state");
    };
    let auth = kit.sf_auth();
    match finish(&kit.connect_deps(&auth), state, code).await {
        Ok(account) => text(
            200,
            format!(
                "Connected as {} (org {}). You can close this window.",
                account.username, account.org_id
            ),
        ),
        Err(e) => error_response(&e),
    }
}

/// Each use-case error with the status that tells the admin what to do.
fn error_response(e: &ConnectError) -> ApiGatewayV2httpResponse {
    let status = match e {
        ConnectError::UnknownApp(_) => 404,
        ConnectError::BadState => 400,
        ConnectError::DifferentOrg { .. } | ConnectError::Locked => 409,
        ConnectError::Remote(_) => 502,
        ConnectError::Store(_) => 503,
    };
    tracing::warn!(status, error = %e, "Connect request refused.");
    text(status, e.to_string())
}
