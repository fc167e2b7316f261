//! `POST /jing/webhook/{app}/{token}`: a JING webhook → `jing::webhook::verify_and_parse`
//! (URL token, then the HMAC signature every app has) → the queue. `200 ok` only after the
//! change is queued durably; a refusal enqueues nothing and says why — except that an unknown
//! app and a wrong URL token get one and the same answer.

use super::{MAX_BODY, text};
use crate::Edge;
use crate::setup::WEBHOOK_MARK;
use app::capture::ingest_webhook;
use app::ports::{SecretKind, StoreError};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::AppId;
use jing::webhook::{AppWebhookConfig, RejectReason, WebhookRequest, verify_and_parse};
use secrecy::ExposeSecret;

const UNKNOWN: &str = "no app is registered under this webhook URL";

fn unknown() -> Response {
    text(StatusCode::UNAUTHORIZED, UNKNOWN)
}

/// The app's webhook configuration: URL token, signing secret and JING tenant. `None` for an
/// unknown app, and also for an app without a signing secret: an unsigned delivery is never
/// accepted, so a lost or removed secret closes the endpoint instead of opening it.
async fn config(st: &Edge, app: &AppId) -> Result<Option<AppWebhookConfig>, StoreError> {
    let Some(token) = st.vault.get(app, SecretKind::WebhookToken).await? else {
        return Ok(None);
    };
    let Some(settings) = st.intake_settings.get(st.settings.as_ref(), app).await? else {
        return Ok(None);
    };
    let secret = st.vault.get(app, SecretKind::WebhookSigningSecret).await?;
    let Some(secret) = secret.filter(|s| !s.expose_secret().is_empty()) else {
        tracing::warn!(app_id = %app, "Webhook refused: the app has no signing secret (rotate the webhook credentials).");
        return Ok(None);
    };
    let mut cfg = AppWebhookConfig::new(app.clone(), token.expose_secret().to_owned())
        .signed(secret.expose_secret().to_owned());
    cfg.expected_mid = Some(settings.jing_tenant.clone());
    Ok(Some(cfg))
}

pub(crate) async fn webhook(
    State(st): State<Edge>,
    Path((app, token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY {
        return text(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
    }
    let Ok(app) = AppId::parse(&app) else {
        return unknown();
    };
    let cfg = match config(&st, &app).await {
        Ok(Some(cfg)) => cfg,
        Ok(None) => return unknown(),
        Err(e) => return text(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
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
    let event = match verify_and_parse(&cfg, &req, st.clock.now()) {
        Ok(e) => e,
        Err(r)
            if matches!(
                r.reason,
                RejectReason::BadUrlToken | RejectReason::UnknownApp
            ) =>
        {
            return unknown();
        }
        Err(r) => {
            tracing::warn!(app_id = %app, status = r.status, reason = %r.reason, "Webhook refused.");
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
            return text(status, r.reason.to_string());
        }
    };
    match ingest_webhook(&st.push_deps(), event.change, &event.idempotency_key).await {
        Ok(r) => {
            tracing::info!(app_id = %app, enqueued = r.enqueued, duplicates = r.duplicates, "Webhook queued.");
            if r.enqueued > 0 {
                st.queued.notify_one();
            }
            let now = st.clock.now();
            st.marks
                .seen(st.cursors.as_ref(), &app, WEBHOOK_MARK, now)
                .await;
            text(StatusCode::OK, "ok")
        }
        Err(e) => text(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
