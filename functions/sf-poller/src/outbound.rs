//! `POST /sf/outbound/{app}`: a Salesforce outbound message (SOAP) → changes on the queue. The
//! `<Ack>true</Ack>` answer goes out only after the changes are queued; anything else is a SOAP
//! fault, so Salesforce keeps retrying (for up to 24 h).

use app::capture::{IngestError, PushedNotification, ingest_outbound};
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use domain::AppId;
use kit::Kit;
use kit::apigw::{self, xml};
use salesforce::outbound::{OutboundMessage, ack_response, parse_outbound};

/// Outbound messages hold up to 100 notifications; 1 MiB is far above a real envelope.
const MAX_SOAP: usize = 1 << 20;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A SOAP 1.1 fault (`soapenv:Client`: the sender's message is at fault or not accepted now).
pub fn soap_fault(status: u16, reason: &str) -> ApiGatewayV2httpResponse {
    xml(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>",
            escape(reason)
        ),
    )
}

pub async fn handle(kit: &Kit, req: &ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let Some(app) = apigw::path_param(req, "app").and_then(|a| AppId::parse(a).ok()) else {
        return soap_fault(404, "unknown app");
    };
    let settings = match kit.settings(&app).await {
        Ok(Some(s)) => s,
        Ok(None) => return soap_fault(404, "unknown app"),
        Err(e) => return soap_fault(503, &e.to_string()),
    };
    let body = match apigw::body(req) {
        Ok(b) if b.len() <= MAX_SOAP => b,
        Ok(_) => return soap_fault(413, "envelope too large"),
        Err(e) => return soap_fault(400, &e.to_string()),
    };
    let msg = match parse_outbound(&body) {
        Ok(m) => m,
        Err(e) => return soap_fault(400, &e.to_string()),
    };
    let deps = kit.push_deps();
    match ingest_outbound(&deps, &settings, &msg.organization_id, notifications(&msg)).await {
        Ok(r) => {
            tracing::info!(app_id = %app, enqueued = r.enqueued, duplicates = r.duplicates, ignored = r.ignored, "Outbound message queued.");
            xml(200, ack_response())
        }
        Err(e @ IngestError::WrongOrg { .. }) => soap_fault(403, &e.to_string()),
        Err(e @ IngestError::NotConnected) => soap_fault(409, &e.to_string()),
        Err(e @ IngestError::Unavailable(_)) => soap_fault(503, &e.to_string()),
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
