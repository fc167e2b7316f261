//! Salesforce outbound messages (`parse_outbound`): envelopes generated from a model (any
//! prefixes, optional SOAP header, unknown header elements, notifications with arbitrary text in
//! escaped, CDATA and character-reference form, nil fields), then mutated, wrapped in hostile XML
//! (DOCTYPEs, entities, deep nesting) and padded to the 1 MB cap.

mod hostile;
mod model;

pub use hostile::{Hostile, hostile_xml_is_refused_or_skipped};
pub use model::{Envelope, Field, Note, Style, envelope, nasty_text};

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::Config;
use salesforce::outbound::{
    MAX_ENVELOPE_BYTES, MAX_NOTIFICATIONS, OutboundError, OutboundMessage, parse_outbound,
};
use secrecy::ExposeSecret;

use crate::mutate::{apply, mutations};
use crate::{Property, check, property};

pub fn properties() -> Vec<Property> {
    vec![
        property!("outbound", valid_envelopes_parse_to_what_they_say),
        property!("outbound", mutated_envelopes_get_a_typed_answer),
        property!("outbound", truncated_envelopes_are_refused),
        property!("outbound", hostile_xml_is_refused_or_skipped),
        property!("outbound", arbitrary_bytes_get_a_typed_answer),
        property!("outbound", envelopes_at_the_size_cap, 64),
    ]
}

/// The parsed message says exactly what the model says.
fn assert_parsed(m: &OutboundMessage, e: &Envelope) -> Result<(), TestCaseError> {
    let id = |raw: &str| domain::SfId::parse(raw).unwrap();
    prop_assert_eq!(&m.organization_id, &id(&e.org));
    prop_assert_eq!(&m.action_id, &id(&e.action));
    let session = m.session_id.as_ref().map(|s| s.expose_secret().to_owned());
    prop_assert_eq!(session, e.session.clone().filter(|s| !s.is_empty()));
    prop_assert_eq!(&m.enterprise_url, &e.enterprise_url);
    prop_assert_eq!(&m.partner_url, &e.partner_url);
    prop_assert_eq!(m.notifications.len(), e.notes.len());
    for (got, want) in m.notifications.iter().zip(&e.notes) {
        prop_assert_eq!(&got.id, &want.id);
        prop_assert_eq!(&got.object_type, &want.object_type);
        prop_assert_eq!(got.record_id(), Some(id(&want.record_id)));
        let mut fields: BTreeMap<String, Option<String>> = want
            .fields
            .iter()
            .map(|(k, v)| match v {
                Field::Nil => (k.clone(), None),
                Field::Text(t, _) => (k.clone(), Some(t.clone())),
            })
            .collect();
        fields.insert("Id".into(), Some(want.record_id.clone()));
        prop_assert_eq!(&got.fields, &fields);
    }
    Ok(())
}

/// What a refused envelope must look like: a typed error that prints.
fn assert_typed(r: &Result<OutboundMessage, OutboundError>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(!e.to_string().is_empty());
    }
    if let Ok(m) = r {
        prop_assert!(m.notifications.len() <= MAX_NOTIFICATIONS);
        prop_assert!(m.notifications.iter().all(|n| n.record_id().is_some()));
    }
    Ok(())
}

pub fn valid_envelopes_parse_to_what_they_say(config: Config) -> Result<(), String> {
    check(config, envelope(), |e| {
        let result = parse_outbound(e.render().as_bytes());
        if e.notes.len() > MAX_NOTIFICATIONS {
            prop_assert_eq!(result.unwrap_err(), OutboundError::TooManyNotifications);
            return Ok(());
        }
        match result {
            Ok(m) => assert_parsed(&m, &e),
            Err(err) => Err(TestCaseError::fail(format!("{err}\n{}", e.render()))),
        }
    })
}

/// XML syntax and the envelope's own vocabulary, for insertions.
const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "/>",
    "</",
    "&",
    ";",
    "\"",
    "'",
    "=",
    ":",
    "&amp;",
    "&lt;",
    "&bogus;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&#65;",
    "&#x;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?pi x?>",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x [<!ENTITY e \"v\">]>",
    "&e;",
    " xmlns=\"\"",
    " xmlns:sf=\"urn:other\"",
    " xsi:nil=\"true\"",
    " xsi:type=\"nope:Lead\"",
    " xsi:type=\"\"",
    "<Notification>",
    "</Notification>",
    "<sObject>",
    "<Id>",
    "</Id>",
    "<OrganizationId>00D000000000001</OrganizationId>",
    "<sf:Email>x</sf:Email>",
    "<b>",
    "\u{feff}",
    "\u{0}",
    "\r\n",
];

pub fn mutated_envelopes_get_a_typed_answer(config: Config) -> Result<(), String> {
    check(config, (envelope(), mutations(XML_TOKENS, 6)), |(e, ms)| {
        assert_typed(&parse_outbound(&apply(e.render().as_bytes(), &ms)))
    })
}

/// A delivery cut short anywhere before its end tag is never taken for a whole message.
pub fn truncated_envelopes_are_refused(config: Config) -> Result<(), String> {
    let cut = (envelope(), any::<prop::sample::Index>());
    check(config, cut, |(e, at)| {
        let xml = e.render();
        let end = xml.trim_end().len();
        let at = at.index(end);
        prop_assert!(
            parse_outbound(&xml.as_bytes()[..at]).is_err(),
            "cut at {at}"
        );
        Ok(())
    })
}

pub fn arbitrary_bytes_get_a_typed_answer(config: Config) -> Result<(), String> {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(prop::sample::select(XML_TOKENS), 0..64)
            .prop_map(|t| t.concat().into_bytes()),
    ];
    check(config, bytes, |b| assert_typed(&parse_outbound(&b)))
}

/// A valid envelope grown to `size` bytes with one long field value (or whitespace after the
/// end tag): accepted up to the cap with the value intact, refused as too large above it.
pub fn envelopes_at_the_size_cap(config: Config) -> Result<(), String> {
    let sizes = MAX_ENVELOPE_BYTES - 64..=MAX_ENVELOPE_BYTES + 64;
    let small = envelope().prop_filter("few notes", |e| {
        !e.notes.is_empty() && e.notes.len() <= MAX_NOTIFICATIONS
    });
    check(
        config,
        (small, sizes, any::<bool>()),
        |(mut e, size, in_value)| {
            let base = e.render().len();
            if in_value {
                let fill = size.saturating_sub(base + "<sf:Zz></sf:Zz>".len() + 2 * e.sf.len());
                let text = "长".repeat(fill / 3) + &"a".repeat(fill % 3);
                e.notes[0]
                    .fields
                    .insert("Zz".into(), Field::Text(text, Style::Escaped));
            }
            let mut xml = e.render();
            prop_assume!(xml.len() <= size);
            xml.push_str(&" ".repeat(size - xml.len()));
            let result = parse_outbound(xml.as_bytes());
            if size > MAX_ENVELOPE_BYTES {
                prop_assert_eq!(result.unwrap_err(), OutboundError::TooLarge(size));
                return Ok(());
            }
            assert_parsed(&result.map_err(|e| TestCaseError::fail(e.to_string()))?, &e)
        },
    )
}
