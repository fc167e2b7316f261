//! `POST /sf/outbound/{app}/{token}`: a Salesforce outbound message (SOAP) → changes on the
//! queue. The URL token (generated per app, rotatable) and the org id must both match; the
//! `<Ack>true</Ack>` answer goes out only after the changes are queued. Anything else is a SOAP
//! fault, so Salesforce keeps retrying (for up to 24 hours).

use super::MAX_BODY;
use crate::Edge;
use crate::setup::outbound_mark;
use app::capture::{IngestError, PushReport, PushedNotification, ingest_outbound, verify};
use app::ports::{SecretKind, StoreError};
use app::settings::AppSettings;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::AppId;
use salesforce::outbound::{OutboundMessage, ack_response, parse_outbound};
use secrecy::ExposeSecret;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The one answer for an unknown app and a wrong URL token (app ids are not to be probed).
const NOT_ACCEPTED: &str = "not accepted: no app is registered under this outbound-message URL";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A SOAP 1.1 fault (`soapenv:Client`: the sender's message is at fault or not accepted now).
pub(crate) fn soap_fault(status: StatusCode, reason: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        escape(reason)
    );
    xml(status, body)
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The app's settings when `token` is its outbound token; `Ok(None)` for an unknown app or a
/// wrong token alike.
async fn authenticate(
    st: &Edge,
    app: &str,
    token: &str,
) -> Result<Option<Arc<AppSettings>>, StoreError> {
    let Ok(app) = AppId::parse(app) else {
        return Ok(None);
    };
    let expected = st.vault.get(&app, SecretKind::OutboundToken).await?;
    let matches = expected.is_some_and(|t| {
        let t = t.expose_secret().as_bytes();
        !t.is_empty() && bool::from(t.ct_eq(token.as_bytes()))
    });
    if !matches {
        return Ok(None);
    }
    // Checked on every delivery; only the settings may come from the intake's copy.
    st.intake_settings.get(st.settings.as_ref(), &app).await
}

pub(crate) async fn outbound(
    State(st): State<Edge>,
    Path((app, token)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY {
        return soap_fault(StatusCode::PAYLOAD_TOO_LARGE, "envelope too large");
    }
    let settings = match authenticate(&st, &app, &token).await {
        Ok(Some(s)) => s,
        Ok(None) => return soap_fault(StatusCode::FORBIDDEN, NOT_ACCEPTED),
        Err(e) => return soap_fault(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let msg = match parse_outbound(&body) {
        Ok(m) => m,
        // Never the envelope's values (ids, quoted text) in the answer or any log.
        Err(e) => {
            let why = domain::redact::quoted(&e.to_string());
            return soap_fault(StatusCode::BAD_REQUEST, &why);
        }
    };
    let result = ingest(&st, &settings, &msg).await;
    match result {
        Ok(r) => {
            tracing::info!(app_id = %settings.app, enqueued = r.enqueued, duplicates = r.duplicates, ignored = r.ignored, "Outbound message queued.");
            if r.enqueued > 0 {
                st.queued.notify_one();
            }
            mark(&st, &settings, &msg).await;
            xml(StatusCode::OK, ack_response().to_owned())
        }
        Err(e @ IngestError::WrongOrg { .. }) => soap_fault(StatusCode::FORBIDDEN, &e.to_string()),
        Err(e @ IngestError::NotConnected) => soap_fault(StatusCode::CONFLICT, &e.to_string()),
        Err(e @ (IngestError::Unavailable(_) | IngestError::Unverified(_))) => {
            soap_fault(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
        }
    }
}

/// The message's changes on the queue: the values it carries, or in verify mode the records'
/// current values read back from Salesforce (`app::capture::verify`).
async fn ingest(
    st: &Edge,
    settings: &AppSettings,
    msg: &OutboundMessage,
) -> Result<PushReport, IngestError> {
    let (deps, org, pushed) = (st.push_deps(), &msg.organization_id, notifications(msg));
    if !settings.verify_outbound {
        return ingest_outbound(&deps, settings, org, pushed).await;
    }
    // Another org's message is refused before anything is read for it.
    app::capture::check_org(settings, org)?;
    let clients = st.connections.clients(settings).await;
    let clients = clients.map_err(|e| IngestError::Unverified(e.to_string()))?;
    verify::ingest_outbound_verified(&deps, clients.sf.as_ref(), settings, org, pushed).await
}

/// The setup checklist's "last received" of each object in the message.
async fn mark(st: &Edge, settings: &AppSettings, msg: &OutboundMessage) {
    let mut objects: Vec<&str> = msg
        .notifications
        .iter()
        .map(|n| n.object_type.as_str())
        .collect();
    objects.sort_unstable();
    objects.dedup();
    let now = st.clock.now();
    for object in objects {
        let name = outbound_mark(object);
        st.marks
            .seen(st.cursors.as_ref(), &settings.app, &name, now)
            .await;
    }
}

fn notifications(msg: &OutboundMessage) -> Vec<PushedNotification> {
    msg.notifications
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
        .collect()
}
