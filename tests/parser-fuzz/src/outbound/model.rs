//! What an outbound message says (the model), how it is generated, and how Salesforce writes it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use salesforce::outbound::{MAX_NOTIFICATIONS, OUTBOUND_NS, SOAP_ENV_NS, XSI_NS};

use crate::re;

const SF_NS: &str = "urn:sobject.enterprise.soap.sforce.com";

/// How a text value is written in the XML.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    Escaped,
    CData,
    CharRefs,
}

#[derive(Debug, Clone)]
pub enum Field {
    Nil,
    Text(String, Style),
}

#[derive(Debug, Clone)]
pub struct Note {
    pub id: String,
    pub object_type: String,
    pub record_id: String,
    pub fields: BTreeMap<String, Field>,
}

/// What an envelope says, and how it is written.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Prefixes of the SOAP, XSI and sObject namespaces; the outbound one when not default.
    pub soap: String,
    pub xsi: String,
    pub sf: String,
    pub out: Option<String>,
    pub declaration: bool,
    pub soap_header: bool,
    pub indent: bool,
    pub org: String,
    pub action: String,
    pub session: Option<String>,
    pub enterprise_url: Option<String>,
    pub partner_url: Option<String>,
    /// Header elements of a newer WSDL: skipped by the parser.
    pub unknown: Vec<(String, String)>,
    pub notes: Vec<Note>,
}

/// Text Salesforce may send: anything XML can carry, with the characters that break naive
/// parsers (markup, quotes, CR, NEL, line/paragraph separators, BOM, `]]>`) made frequent.
pub fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::collection::vec(xml_char(), 1..6).prop_map(String::from_iter),
        2 => prop::sample::select(vec![
            "&", "<", ">", "'", "\"", "\r", "\r\n", "\n", "\t", " ", "\u{85}", "\u{2028}",
            "\u{2029}", "\u{feff}", "\u{3000}", "]]>", "]]", "<![CDATA[", "&amp;", "&#13;",
            "中文", "🦀", "' OR 1=1 --", "\\", "</sf:Email>", "<!--", "-->", "?>",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|p| p.concat())
}

/// A character XML 1.0 can carry (`Char` production; CR is escaped when written).
fn xml_char() -> impl Strategy<Value = char> {
    const RANGES: &[std::ops::RangeInclusive<char>] = &[
        '\t'..='\n',
        '\r'..='\r',
        ' '..='\u{d7ff}',
        '\u{e000}'..='\u{fffd}',
        '\u{10000}'..='\u{10ffff}',
    ];
    prop::char::ranges(std::borrow::Cow::Borrowed(RANGES))
}

/// An 18- or 15-character id: [`domain::SfId`] canonicalizes both.
fn sf_id(prefix: &'static str) -> impl Strategy<Value = String> {
    (re("[0-9A-Za-z]{12}"), any::<bool>()).prop_map(move |(body, long)| {
        let id15 = format!("{prefix}{body}");
        if long {
            format!("{id15}{}", domain::ids::sf_id_suffix(&id15))
        } else {
            id15
        }
    })
}

/// Four distinct prefixes: the usual names, or random ones ending in their position's digit
/// (the usual names end in a letter, so the two kinds never collide). Lowercase: the hostile
/// declarations use uppercase prefixes, which never rebind these.
fn prefixes() -> impl Strategy<Value = Vec<String>> {
    const USUAL: &[&str] = &[
        "soapenv", "env", "s", "sf", "xsi", "xsd", "o", "out", "ns", "q",
    ];
    let usual = prop::sample::subsequence(USUAL, 4).prop_shuffle();
    let random = prop::collection::vec(re("[a-wyz][a-z0-9]{0,3}"), 4);
    (usual, random, any::<[bool; 4]>()).prop_map(|(usual, random, pick)| {
        (0..4)
            .map(|i| match pick[i] {
                true => format!("{}{i}", random[i]),
                false => usual[i].to_owned(),
            })
            .collect()
    })
}

fn field() -> impl Strategy<Value = Field> {
    let style = prop_oneof![
        Just(Style::Escaped),
        Just(Style::CData),
        Just(Style::CharRefs)
    ];
    prop_oneof![
        1 => Just(Field::Nil),
        6 => (nasty_text(8), style).prop_map(|(t, s)| Field::Text(t, s)),
    ]
}

fn note() -> impl Strategy<Value = Note> {
    (
        sf_id("04l"),
        re("[A-Z][A-Za-z0-9]{0,12}(__c)?"),
        sf_id("00Q"),
        prop::collection::btree_map(re("[A-Z][A-Za-z0-9_]{0,14}"), field(), 0..6),
    )
        .prop_map(|(id, object_type, record_id, mut fields)| {
            fields.remove("Id");
            Note {
                id,
                object_type,
                record_id,
                fields,
            }
        })
}

fn url() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(re(
        "https://[a-z]{1,10}\\.my\\.salesforce\\.com/services/Soap/[cu]/6[0-3]\\.0/[0-9A-Za-z]{15}",
    ))
}

/// Up to a few notifications, sometimes around the limit of 100.
fn notes() -> impl Strategy<Value = Vec<Note>> {
    prop_oneof![
        20 => prop::collection::vec(note(), 0..4),
        1 => prop::collection::vec(note(), MAX_NOTIFICATIONS - 1..=MAX_NOTIFICATIONS + 1),
    ]
}

pub fn envelope() -> impl Strategy<Value = Envelope> {
    let shape = (
        prefixes(),
        any::<bool>(),
        any::<[bool; 3]>(),
        prop::collection::vec((re("Future[A-Z][a-z]{0,6}"), nasty_text(3)), 0..2),
    );
    let header = (
        sf_id("00D"),
        sf_id("04k"),
        proptest::option::of(re("[0-9A-Za-z!._]{0,40}")),
        url(),
        url(),
    );
    (shape, header, notes()).prop_map(
        |((p, default_out, [declaration, soap_header, indent], unknown), h, notes)| Envelope {
            soap: p[0].clone(),
            xsi: p[1].clone(),
            sf: p[2].clone(),
            out: (!default_out).then(|| p[3].clone()),
            declaration,
            soap_header,
            indent,
            org: h.0,
            action: h.1,
            session: h.2,
            enterprise_url: h.3,
            partner_url: h.4,
            unknown,
            notes,
        },
    )
}

/// Text escaped as Salesforce does; CR as a character reference, which XML does not normalize.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn write_text(text: &str, style: Style) -> String {
    match style {
        Style::Escaped => escape(text),
        Style::CharRefs => text
            .chars()
            .map(|c| format!("&#x{:X};", c as u32))
            .collect(),
        // A CDATA section cannot hold `]]>` (split it) nor a raw CR (XML normalizes it).
        Style::CData => text
            .split('\r')
            .map(|part| format!("<![CDATA[{}]]>", part.replace("]]>", "]]]]><![CDATA[>")))
            .collect::<Vec<_>>()
            .join("&#13;"),
    }
}

impl Envelope {
    pub(super) fn out_tag(&self, local: &str) -> String {
        match &self.out {
            Some(p) => format!("{p}:{local}"),
            None => local.to_owned(),
        }
    }

    /// The envelope as Salesforce would POST it (modulo prefixes, whitespace and quoting).
    pub fn render(&self) -> String {
        let (s, nl) = (&self.soap, if self.indent { "\n " } else { "" });
        let mut x = String::new();
        if self.declaration {
            x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        x += &format!(
            "<{s}:Envelope xmlns:{s}=\"{SOAP_ENV_NS}\" xmlns:{}=\"{XSI_NS}\">{nl}",
            self.xsi
        );
        if self.soap_header {
            x += &format!("<{s}:Header><x:Trace xmlns:x=\"urn:t\">1</x:Trace></{s}:Header>{nl}");
        }
        let notifications = self.out_tag("notifications");
        let ns = match &self.out {
            Some(p) => format!("xmlns:{p}=\"{OUTBOUND_NS}\""),
            None => format!("xmlns=\"{OUTBOUND_NS}\""),
        };
        x += &format!("<{s}:Body>{nl}<{notifications} {ns}>{nl}");
        self.render_header(&mut x, nl);
        for n in &self.notes {
            self.render_note(&mut x, n, nl);
        }
        x += &format!("</{notifications}>{nl}</{s}:Body>\n</{s}:Envelope>\n");
        x
    }

    fn leaf(&self, x: &mut String, local: &str, text: &str, nl: &str) {
        let t = self.out_tag(local);
        *x += &format!("<{t}>{}</{t}>{nl}", escape(text));
    }

    fn render_header(&self, x: &mut String, nl: &str) {
        self.leaf(x, "OrganizationId", &self.org, nl);
        self.leaf(x, "ActionId", &self.action, nl);
        match &self.session {
            Some(s) => self.leaf(x, "SessionId", s, nl),
            None => *x += &format!("<{} {}:nil=\"true\"/>", self.out_tag("SessionId"), self.xsi),
        }
        let urls = [
            ("EnterpriseUrl", &self.enterprise_url),
            ("PartnerUrl", &self.partner_url),
        ];
        for (local, url) in urls {
            if let Some(u) = url {
                self.leaf(x, local, u, nl);
            }
        }
        for (local, text) in &self.unknown {
            self.leaf(x, local, text, nl);
        }
    }

    fn render_note(&self, x: &mut String, n: &Note, nl: &str) {
        let (sf, xsi) = (&self.sf, &self.xsi);
        let (note, id, sobject) = (
            self.out_tag("Notification"),
            self.out_tag("Id"),
            self.out_tag("sObject"),
        );
        *x += &format!(
            "<{note}>{nl}<{id}>{}</{id}>{nl}<{sobject} {xsi}:type=\"{sf}:{}\" xmlns:{sf}=\"{SF_NS}\">{nl}<{sf}:Id>{}</{sf}:Id>",
            n.id, n.object_type, n.record_id
        );
        for (name, value) in &n.fields {
            match value {
                Field::Nil => *x += &format!("<{sf}:{name} {xsi}:nil=\"true\"/>"),
                Field::Text(t, style) => {
                    *x += &format!("<{sf}:{name}>{}</{sf}:{name}>", write_text(t, *style))
                }
            }
        }
        *x += &format!("{nl}</{sobject}>{nl}</{note}>{nl}");
    }
}
