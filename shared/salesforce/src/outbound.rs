//! Outbound Messages (reference §13): parse the SOAP 1.1 envelope Salesforce POSTs to us, and the
//! exact acknowledgement it expects. Namespace-aware (quick-xml `NsReader`), size-bounded, and
//! every malformed input is a typed error.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::reader::NsReader;
use secrecy::SecretString;

use domain::SfId;

pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const OUTBOUND_NS: &str = "http://soap.sforce.com/2005/09/outbound";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Larger than any real message (100 notifications of a few KB), small enough for a Lambda.
pub const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;
pub const MAX_NOTIFICATIONS: usize = 100;

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
    let mut parser = Parser {
        reader: NsReader::from_reader(body),
        buf: Vec::new(),
    };
    parser.expect_start(SOAP_ENV_NS, "Envelope")?;
    parser.skip_until_start(SOAP_ENV_NS, "Body")?;
    parser.expect_start(OUTBOUND_NS, "notifications")?;
    let message = parser.notifications()?;
    parser.finish()?;
    Ok(message)
}

/// An element start, resolved: namespace, local name, `xsi:type`, `xsi:nil`, self-closing.
struct Opened {
    ns: Option<String>,
    local: String,
    xsi_type: Option<String>,
    nil: bool,
    empty: bool,
}

enum Token {
    Open(Opened),
    Text(String),
    Close,
    Eof,
}

struct Parser<'a> {
    reader: NsReader<&'a [u8]>,
    buf: Vec<u8>,
}

impl Parser<'_> {
    fn next(&mut self) -> Result<Token, OutboundError> {
        loop {
            self.buf.clear();
            let (ns, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(xml_err)?;
            let ns = match ns {
                ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(p) => {
                    return Err(OutboundError::Xml(format!(
                        "unknown prefix {}",
                        String::from_utf8_lossy(&p)
                    )));
                }
            };
            let token = match event {
                Event::Start(e) => Token::Open(opened(&self.reader, ns, &e, false)?),
                Event::Empty(e) => Token::Open(opened(&self.reader, ns, &e, true)?),
                Event::End(_) => Token::Close,
                Event::Text(t) => Token::Text(t.xml_content().map_err(xml_err)?.into_owned()),
                Event::CData(t) => Token::Text(t.xml_content().map_err(xml_err)?.into_owned()),
                Event::GeneralRef(r) => Token::Text(resolve_ref(&r)?),
                Event::Eof => Token::Eof,
                Event::DocType(_) => {
                    return Err(OutboundError::Shape("DOCTYPE is not allowed".into()));
                }
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => continue,
            };
            return Ok(token);
        }
    }

    fn next_open(&mut self) -> Result<Option<Opened>, OutboundError> {
        loop {
            match self.next()? {
                Token::Open(o) => return Ok(Some(o)),
                Token::Text(t) if t.trim().is_empty() => continue,
                Token::Text(_) => return Err(OutboundError::Shape("unexpected text".into())),
                Token::Close => return Ok(None),
                Token::Eof => return Err(OutboundError::Xml("unexpected end of document".into())),
            }
        }
    }

    fn expect_start(&mut self, ns: &str, local: &str) -> Result<(), OutboundError> {
        match self.next_open()? {
            Some(o) if o.ns.as_deref() == Some(ns) && o.local == local && !o.empty => Ok(()),
            Some(o) => Err(OutboundError::Shape(format!(
                "expected {local}, found {}",
                o.local
            ))),
            None => Err(OutboundError::Shape(format!("expected {local}"))),
        }
    }

    /// After `</notifications>`: exactly `</Body></Envelope>` and the end of the document.
    fn finish(&mut self) -> Result<(), OutboundError> {
        for _ in 0..2 {
            if let Some(o) = self.next_open()? {
                return Err(OutboundError::Shape(format!(
                    "unexpected element {} after notifications",
                    o.local
                )));
            }
        }
        loop {
            match self.next()? {
                Token::Eof => return Ok(()),
                Token::Text(t) if t.trim().is_empty() => continue,
                _ => return Err(OutboundError::Shape("content after the envelope".into())),
            }
        }
    }

    /// Skip a SOAP `Header` (if any) up to `Body`.
    fn skip_until_start(&mut self, ns: &str, local: &str) -> Result<(), OutboundError> {
        loop {
            match self.next_open()? {
                Some(o) if o.ns.as_deref() == Some(ns) && o.local == local && !o.empty => {
                    return Ok(());
                }
                Some(o) if o.local == "Header" && o.ns.as_deref() == Some(ns) => self.skip(&o)?,
                Some(o) => {
                    return Err(OutboundError::Shape(format!(
                        "expected {local}, found {}",
                        o.local
                    )));
                }
                None => return Err(OutboundError::Shape(format!("expected {local}"))),
            }
        }
    }

    fn skip(&mut self, opened: &Opened) -> Result<(), OutboundError> {
        if opened.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Token::Open(o) if !o.empty => depth += 1,
                Token::Close => depth -= 1,
                Token::Eof => return Err(OutboundError::Xml("unexpected end of document".into())),
                _ => {}
            }
        }
        Ok(())
    }

    /// Text content of a leaf element whose start was just read; nested elements are refused.
    fn leaf_text(&mut self, opened: &Opened) -> Result<Option<String>, OutboundError> {
        if opened.empty {
            return Ok(if opened.nil {
                None
            } else {
                Some(String::new())
            });
        }
        let mut text = String::new();
        loop {
            match self.next()? {
                Token::Text(t) => text.push_str(&t),
                Token::Close => {
                    return Ok(if opened.nil && text.is_empty() {
                        None
                    } else {
                        Some(text)
                    });
                }
                Token::Open(o) => {
                    return Err(OutboundError::Shape(format!(
                        "unexpected element {} in {}",
                        o.local, opened.local
                    )));
                }
                Token::Eof => return Err(OutboundError::Xml("unexpected end of document".into())),
            }
        }
    }
}

fn opened(
    reader: &NsReader<&[u8]>,
    ns: Option<String>,
    e: &BytesStart,
    empty: bool,
) -> Result<Opened, OutboundError> {
    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let (mut xsi_type, mut nil) = (None, false);
    for attr in e.attributes() {
        let attr = attr.map_err(xml_err)?;
        let (attr_ns, attr_local) = reader.resolve_attribute(attr.key);
        if !matches!(attr_ns, ResolveResult::Bound(n) if n.as_ref() == XSI_NS.as_bytes()) {
            continue;
        }
        let value = attr.unescape_value().map_err(xml_err)?.into_owned();
        match attr_local.as_ref() {
            b"type" => xsi_type = Some(local_of_qname(reader, &value)),
            b"nil" => nil = value == "true" || value == "1",
            _ => {}
        }
    }
    Ok(Opened {
        ns,
        local,
        xsi_type,
        nil,
        empty,
    })
}

/// `sf:Lead` → `Lead` (the prefix is resolved against the scope, which also checks it exists).
fn local_of_qname(reader: &NsReader<&[u8]>, value: &str) -> String {
    let (_, local) = reader.resolve_element(QName(value.as_bytes()));
    String::from_utf8_lossy(local.as_ref()).into_owned()
}

fn xml_err(e: impl std::fmt::Display) -> OutboundError {
    OutboundError::Xml(e.to_string())
}

fn resolve_ref(r: &quick_xml::events::BytesRef) -> Result<String, OutboundError> {
    if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
        return Ok(c.to_string());
    }
    let name = r.decode().map_err(xml_err)?;
    quick_xml::escape::resolve_xml_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| OutboundError::Xml(format!("unknown entity &{name};")))
}

#[path = "outbound_body.rs"]
mod body;

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
