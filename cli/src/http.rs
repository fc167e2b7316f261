//! The HTTP listener of the embedded connector: the OAuth callback, Salesforce outbound
//! messages, JING webhooks (and the admin API with the status page, when mounted).

use crate::wiring::Connector;
use app::capture::{IngestError, PushedNotification, ingest_outbound, ingest_webhook};
use app::ports::{SecretKind, TokenVault};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::AppId;
use jing::webhook::{AppWebhookConfig, WebhookRequest, verify_and_parse};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::Arc;

/// Outbound messages hold up to 100 notifications; 1 MiB is far above a real envelope.
const MAX_SOAP: usize = 1 << 20;

pub fn routes(conn: Arc<Connector>) -> Router {
    Router::new()
        .route("/oauth/callback", get(oauth_callback))
        .route("/sf/outbound/{app}", post(outbound))
        .route("/jing/webhook/{app}/{token}", post(webhook))
        .with_state(conn)
}

fn text(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}

async fn oauth_callback(
    State(conn): State<Arc<Connector>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(err) = q.get("error") {
        return text(
            StatusCode::BAD_REQUEST,
            format!("Salesforce refused the authorization: {err}"),
        );
    }
    let (Some(code), Some(state)) = (q.get("code"), q.get("state")) else {
        return text(StatusCode::BAD_REQUEST, "missing code or state");
    };
    let auth = conn.sf_auth();
    match app::connect::finish(&conn.connect_deps(&auth), state, code).await {
        Ok(account) => text(
            StatusCode::OK,
            format!(
                "Connected as {} (org {}). You can close this window.",
                account.username, account.org_id
            ),
        ),
        Err(app::connect::ConnectError::BadState) => text(
            StatusCode::BAD_REQUEST,
            "unknown, used or expired authorization; start again",
        ),
        Err(e @ app::connect::ConnectError::DifferentOrg { .. }) => {
            text(StatusCode::CONFLICT, e.to_string())
        }
        Err(e) => text(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

fn soap_fault(status: StatusCode, reason: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        reason.replace('&', "&amp;").replace('<', "&lt;")
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn outbound(
    State(conn): State<Arc<Connector>>,
    Path(app): Path<String>,
    body: Bytes,
) -> Response {
    if body.len() > MAX_SOAP {
        return soap_fault(StatusCode::PAYLOAD_TOO_LARGE, "envelope too large");
    }
    let Ok(app) = AppId::parse(&app) else {
        return soap_fault(StatusCode::NOT_FOUND, "unknown app");
    };
    let Ok(settings) = conn.settings(&app).await else {
        return soap_fault(StatusCode::NOT_FOUND, "unknown app");
    };
    let msg = match salesforce::outbound::parse_outbound(&body) {
        Ok(m) => m,
        Err(e) => return soap_fault(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let notifications = msg
        .notifications
        .iter()
        .filter_map(|n| {
            Some(PushedNotification {
                notification_id: n.id.clone(),
                sobject: n.object_type.clone(),
                id: n.record_id()?,
                fields: n
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
                    .collect(),
            })
        })
        .collect();
    match ingest_outbound(
        &conn.push_deps(),
        &settings,
        &msg.organization_id,
        notifications,
    )
    .await
    {
        Ok(r) => {
            tracing::info!(app_id = %app, enqueued = r.enqueued, duplicates = r.duplicates, ignored = r.ignored, "Outbound message queued.");
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                salesforce::outbound::ack_response(),
            )
                .into_response()
        }
        Err(e @ IngestError::WrongOrg { .. }) => soap_fault(StatusCode::FORBIDDEN, &e.to_string()),
        Err(e @ IngestError::NotConnected) => soap_fault(StatusCode::CONFLICT, &e.to_string()),
        Err(e @ IngestError::Unavailable(_)) => {
            soap_fault(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
        }
    }
}

async fn webhook_config(conn: &Connector, app: &AppId) -> Option<AppWebhookConfig> {
    let settings = conn.settings(app).await.ok()?;
    let token = TokenVault::get(conn.store.as_ref(), app, SecretKind::WebhookToken)
        .await
        .ok()??;
    let mut cfg = AppWebhookConfig::new(app.clone(), token.expose_secret().to_owned());
    if let Ok(Some(secret)) =
        TokenVault::get(conn.store.as_ref(), app, SecretKind::WebhookSigningSecret).await
    {
        cfg = cfg.signed(secret.expose_secret().to_owned());
    }
    cfg.expected_mid = Some(settings.jing_tenant);
    Some(cfg)
}

async fn webhook(
    State(conn): State<Arc<Connector>>,
    Path((app, token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let unknown = || {
        text(
            StatusCode::UNAUTHORIZED,
            "no app is registered under this webhook URL",
        )
    };
    let Ok(app) = AppId::parse(&app) else {
        return unknown();
    };
    let Some(cfg) = webhook_config(&conn, &app).await else {
        return unknown();
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let req = WebhookRequest {
        url_token: &token,
        headers: &headers,
        body: &body,
    };
    let event = match verify_and_parse(&cfg, &req, conn.clock.now()) {
        Ok(e) => e,
        Err(r) => {
            return text(
                StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
                r.reason.to_string(),
            );
        }
    };
    match ingest_webhook(&conn.push_deps(), event.change, &event.idempotency_key).await {
        Ok(r) => {
            tracing::info!(app_id = %app, enqueued = r.enqueued, duplicates = r.duplicates, "Webhook queued.");
            text(StatusCode::OK, "ok")
        }
        Err(e) => text(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
