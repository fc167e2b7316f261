//! JING webhook (HTTP API v2) → `jing::webhook::verify_and_parse` → `app::capture::ingest_webhook`.
//! Rejections answer with their status and reason and enqueue nothing; `200 ok` only after the
//! change is queued durably.

use app::capture::ingest_webhook;
use app::ports::{SecretKind, TokenVault};
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use domain::AppId;
use jing::webhook::{AppWebhookConfig, WebhookRequest, verify_and_parse};
use kit::Kit;
use kit::apigw::{self, text};
use secrecy::ExposeSecret;

/// Same answer for an unknown app and an app without a webhook token: do not reveal which.
fn unknown() -> ApiGatewayV2httpResponse {
    text(401, "no app is registered under this webhook URL")
}

pub async fn handle(kit: &Kit, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let (Some(app), Some(token)) = (
        apigw::path_param(&req, "app"),
        apigw::path_param(&req, "token"),
    ) else {
        return unknown();
    };
    let Ok(app) = AppId::parse(app) else {
        return unknown();
    };
    let cfg = match webhook_config(kit, &app).await {
        Ok(Some(cfg)) => cfg,
        Ok(None) => return unknown(),
        Err(e) => return text(503, e.to_string()),
    };
    let Ok(body) = apigw::body(&req) else {
        return text(400, "request body is not valid base64");
    };
    let headers = apigw::headers(&req);
    let request = WebhookRequest {
        url_token: token,
        headers: &headers,
        body: &body,
    };
    let event = match verify_and_parse(&cfg, &request, kit.clock.now()) {
        Ok(e) => e,
        Err(r) => {
            tracing::warn!(app_id = %app, status = r.status, reason = %r.reason, "Webhook rejected.");
            return text(r.status, r.reason.to_string());
        }
    };
    match ingest_webhook(&kit.push_deps(), event.change, &event.idempotency_key).await {
        Ok(r) => {
            tracing::info!(app_id = %app, enqueued = r.enqueued, duplicates = r.duplicates, "Webhook queued.");
            text(200, "ok")
        }
        Err(e) => text(503, e.to_string()),
    }
}

/// The app's webhook token, signing secret (when configured) and JING tenant.
async fn webhook_config(
    kit: &Kit,
    app: &AppId,
) -> Result<Option<AppWebhookConfig>, app::ports::StoreError> {
    let Some(settings) = kit.settings(app).await? else {
        return Ok(None);
    };
    let vault = &kit.adapters.vault;
    let Some(token) = vault.get(app, SecretKind::WebhookToken).await? else {
        return Ok(None);
    };
    let mut cfg = AppWebhookConfig::new(app.clone(), token.expose_secret().to_owned());
    if let Some(secret) = vault.get(app, SecretKind::WebhookSigningSecret).await? {
        cfg = cfg.signed(secret.expose_secret().to_owned());
    }
    cfg.expected_mid = Some(settings.jing_tenant);
    Ok(Some(cfg))
}
