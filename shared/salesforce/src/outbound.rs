//! Outbound Messages (reference §13): parse the SOAP 1.1 envelope Salesforce POSTs to us, and the
//! exact acknowledgement it expects. Namespace-aware (quick-xml `NsReader`), size-bounded, and
//! every malformed input is a typed error.

use std::collections::BTreeMap;

use secrecy::SecretString;

use domain::SfId;

pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const OUTBOUND_NS: &str = "http://soap.sforce.com/2005/09/outbound";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Larger than any real message (100 notifications of a few KB), small enough for a Lambda.
pub const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;
pub const MAX_NOTIFICATIONS: usize = 100;
/// Real envelopes carry at most 4 attributes on an element and 5 namespace bindings in scope.
pub const MAX_ATTRIBUTES: usize = 32;
pub const MAX_NAMESPACES_IN_SCOPE: usize = 64;

/// One delivery: up to 100 notifications from one org and one outbound-message action.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub organization_id: SfId,
    pub action_id: SfId,
    /// Only present when "Send Session ID" is ticked; a live session, so kept secret.
    pub session_id: Option<SecretString>,
    pub enterprise_url: Option<String>,
    pub partner_url: Option<String>,
    pub notifications: Vec<Notification>,
}

/// One record's state at send time. Dedupe deliveries on `id` (at-least-once, out of order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The `04l…` notification id.
    pub id: String,
    /// From `xsi:type="sf:Lead"`.
    pub object_type: String,
    /// Field API name → text value; `None` for an explicit `xsi:nil="true"`.
    pub fields: BTreeMap<String, Option<String>>,
}

impl OutboundMessage {
    /// Check the sending org (reference §13: verify `OrganizationId` on every message). Ids
    /// are compared canonically, so a 15-character id in the envelope still matches.
    pub fn verify_org(&self, expected: &SfId) -> Result<(), OutboundError> {
        if self.organization_id == *expected {
            Ok(())
        } else {
            Err(OutboundError::WrongOrg {
                found: self.organization_id.clone(),
                expected: expected.clone(),
            })
        }
    }
}

impl Notification {
    pub fn record_id(&self) -> Option<SfId> {
        self.fields
            .get("Id")
            .cloned()
            .flatten()
            .and_then(|raw| SfId::parse(&raw).ok())
    }
}

/// Why an envelope was refused. Answer 4xx/500 without an ack: Salesforce retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("envelope is {0} bytes, over the {MAX_ENVELOPE_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("not an outbound-message envelope: {0}")]
    Shape(String),
    #[error("required element {0} is missing")]
    Missing(&'static str),
    #[error("{field} is not a Salesforce id: {raw:?}")]
    BadId { field: &'static str, raw: String },
    #[error("more than {MAX_NOTIFICATIONS} notifications in one message")]
    TooManyNotifications,
    /// Sent by (or forged as) another org: refuse it, never ack it.
    #[error("message from org {found}, expected {expected}")]
    WrongOrg { found: SfId, expected: SfId },
}

/// The acknowledgement Salesforce needs, or it re-sends the message.
pub fn ack_response() -> &'static str {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        r#"<soapenv:Body>"#,
        r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">"#,
        r#"<Ack>true</Ack>"#,
        r#"</notificationsResponse>"#,
        r#"</soapenv:Body>"#,
        r#"</soapenv:Envelope>"#
    )
}

/// Parse an outbound-message POST body.
pub fn parse_outbound(body: &[u8]) -> Result<OutboundMessage, OutboundError> {
    if body.len() > MAX_ENVELOPE_BYTES {
        return Err(OutboundError::TooLarge(body.len()));
    }
    let mut parser = Parser::new(body);
    parser.expect_start(SOAP_ENV_NS, "Envelope")?;
    parser.skip_until_start(SOAP_ENV_NS, "Body")?;
    parser.expect_start(OUTBOUND_NS, "notifications")?;
    let message = parser.notifications()?;
    parser.finish()?;
    Ok(message)
}

#[path = "outbound_body.rs"]
mod body;
#[path = "outbound_xml.rs"]
mod xml;

use xml::Parser;

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
