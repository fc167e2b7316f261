//! Low-level, namespace-aware reading of the outbound envelope: resolved element starts, text
//! with entities and CDATA, skipping, and refusing DOCTYPE.
//!
//! Attributes per element and namespace bindings in scope are capped: the XML reader resolves
//! every name by scanning the bindings in scope and checks each attribute against the others, so
//! without the caps a 1 MB body of declarations (or attributes) costs seconds of CPU.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::reader::NsReader;

use super::{MAX_ATTRIBUTES, MAX_NAMESPACES_IN_SCOPE, OutboundError, XSI_NS};

/// An element start, resolved: namespace, local name, `xsi:type`, `xsi:nil`, self-closing.
pub(super) struct Opened {
    pub ns: Option<String>,
    pub local: String,
    pub xsi_type: Option<String>,
    pub nil: bool,
    pub empty: bool,
    /// Namespace declarations (`xmlns`, `xmlns:p`) on this element.
    pub declarations: usize,
}

pub(super) enum Token {
    Open(Opened),
    Text(String),
    Close,
    Eof,
}

pub(super) struct Parser<'a> {
    reader: NsReader<&'a [u8]>,
    buf: Vec<u8>,
    /// Declarations of each open element, innermost last, and their sum.
    scopes: Vec<usize>,
    in_scope: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(body: &'a [u8]) -> Self {
        Self {
            reader: NsReader::from_reader(body),
            buf: Vec::new(),
            scopes: Vec::new(),
            in_scope: 0,
        }
    }

    /// Track the bindings an element brings into scope (until its end tag when `open`).
    fn enter(&mut self, declarations: usize, open: bool) -> Result<(), OutboundError> {
        if self.in_scope + declarations > MAX_NAMESPACES_IN_SCOPE {
            return Err(OutboundError::Shape(format!(
                "more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations in scope"
            )));
        }
        if open {
            self.scopes.push(declarations);
            self.in_scope += declarations;
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.in_scope -= self.scopes.pop().unwrap_or(0);
    }

    pub(super) fn next(&mut self) -> Result<Token, OutboundError> {
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
                Event::Start(e) => {
                    let o = opened(&self.reader, ns, &e, false)?;
                    self.enter(o.declarations, true)?;
                    Token::Open(o)
                }
                Event::Empty(e) => {
                    let o = opened(&self.reader, ns, &e, true)?;
                    self.enter(o.declarations, false)?;
                    Token::Open(o)
                }
                Event::End(_) => {
                    self.leave();
                    Token::Close
                }
                // XML 1.0 line ends (CRLF and CR → LF) only: `xml_content` applies XML 1.1's,
                // which also turn NEL and U+2028 inside values into LF.
                Event::Text(t) => Token::Text(t.xml10_content().map_err(xml_err)?.into_owned()),
                Event::CData(t) => Token::Text(t.xml10_content().map_err(xml_err)?.into_owned()),
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

    pub(super) fn next_open(&mut self) -> Result<Option<Opened>, OutboundError> {
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

    pub(super) fn expect_start(&mut self, ns: &str, local: &str) -> Result<(), OutboundError> {
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
    pub(super) fn finish(&mut self) -> Result<(), OutboundError> {
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
    pub(super) fn skip_until_start(&mut self, ns: &str, local: &str) -> Result<(), OutboundError> {
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

    pub(super) fn skip(&mut self, opened: &Opened) -> Result<(), OutboundError> {
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
    pub(super) fn leaf_text(&mut self, opened: &Opened) -> Result<Option<String>, OutboundError> {
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
    let (mut xsi_type, mut nil, mut declarations) = (None, false, 0);
    for (i, attr) in e.attributes().enumerate() {
        if i == MAX_ATTRIBUTES {
            return Err(OutboundError::Shape(format!(
                "more than {MAX_ATTRIBUTES} attributes on {local}"
            )));
        }
        let attr = attr.map_err(xml_err)?;
        if attr.key.as_namespace_binding().is_some() {
            declarations += 1;
            continue;
        }
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
        declarations,
    })
}

/// `sf:Lead` → `Lead` (the prefix is resolved against the scope, which also checks it exists).
fn local_of_qname(reader: &NsReader<&[u8]>, value: &str) -> String {
    let (_, local) = reader.resolve_element(QName(value.as_bytes()));
    String::from_utf8_lossy(local.as_ref()).into_owned()
}

fn xml_err(e: impl std::fmt::Display) -> OutboundError {
    OutboundError::Xml(domain::redact::quoted(&e.to_string()))
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
