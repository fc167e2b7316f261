use super::*;
use quick_xml::events::Event;

const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5g000004ABCDEA4</OrganizationId>
   <ActionId>04k5g000000XyZaAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00D5g000004ABCD</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/00D5g000004ABCD</PartnerUrl>
   <Notification>
    <Id>04l5g00000AbCdEAAV</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Q5g00000XyZaBEAV</sf:Id>
     <sf:Email>ng@acme.example</sf:Email>
     <sf:LastName>Ng &amp; Sons &#x4E2D;</sf:LastName>
     <sf:Company><![CDATA[<Acme>]]></sf:Company>
     <sf:Phone xsi:nil="true"/>
     <sf:SystemModstamp>2024-05-01T08:17:00.000Z</sf:SystemModstamp>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#;

#[test]
fn reference_envelope_is_parsed() {
    let m = parse_outbound(SAMPLE.as_bytes()).unwrap();
    assert_eq!(m.organization_id.as_str(), "00D5g000004ABCDEA4");
    assert_eq!(m.action_id.as_str(), "04k5g000000XyZaAAK");
    assert!(m.session_id.is_none());
    assert_eq!(
        m.partner_url.as_deref(),
        Some("https://acme.my.salesforce.com/services/Soap/u/62.0/00D5g000004ABCD")
    );
    assert_eq!(m.notifications.len(), 1);
    let n = &m.notifications[0];
    assert_eq!(n.id, "04l5g00000AbCdEAAV");
    assert_eq!(n.object_type, "Lead");
    assert_eq!(n.record_id().unwrap().as_str(), "00Q5g00000XyZaBEAV");
    assert_eq!(n.fields["Email"].as_deref(), Some("ng@acme.example"));
    assert_eq!(n.fields["LastName"].as_deref(), Some("Ng & Sons 中"));
    assert_eq!(n.fields["Company"].as_deref(), Some("<Acme>"));
    assert_eq!(n.fields["Phone"], None);
    assert_eq!(
        n.fields["SystemModstamp"].as_deref(),
        Some("2024-05-01T08:17:00.000Z")
    );
}

/// Found by the parser fuzzing (tests/parser-fuzz): NEL and the Unicode line and paragraph
/// separators are ordinary characters in XML 1.0 and stay in the value; only CRLF and CR are
/// line ends (read as LF), in text and CDATA alike.
#[test]
fn only_xml_1_0_line_ends_are_normalized() {
    let xml = SAMPLE.replace(
        "<sf:Email>ng@acme.example</sf:Email>",
        "<sf:Email>a\u{85}b\u{2028}c\u{2029}d\r\ne\rf&#13;g</sf:Email>",
    );
    let xml = xml.replace("<![CDATA[<Acme>]]>", "<![CDATA[x\u{85}y\r\nz]]>");
    let n = &parse_outbound(xml.as_bytes()).unwrap().notifications[0];
    assert_eq!(
        n.fields["Email"].as_deref(),
        Some("a\u{85}b\u{2028}c\u{2029}d\ne\nf\rg")
    );
    assert_eq!(n.fields["Company"].as_deref(), Some("x\u{85}y\nz"));
}

#[test]
fn other_prefixes_and_session_id_are_fine() {
    let xml = r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><e:Body><o:notifications xmlns:o="http://soap.sforce.com/2005/09/outbound"><o:OrganizationId>00D5g000004ABCD</o:OrganizationId><o:ActionId>04k5g000000XyZa</o:ActionId><o:SessionId>00D!secret</o:SessionId><o:Notification><o:Id>04l1</o:Id><o:sObject i:type="x:Account" xmlns:x="urn:sobject.enterprise.soap.sforce.com"><x:Id>0015g00000AbCdE</x:Id></o:sObject></o:Notification></o:notifications></e:Body></e:Envelope>"#;
    let m = parse_outbound(xml.as_bytes()).unwrap();
    assert_eq!(
        m.organization_id.as_str(),
        "00D5g000004ABCDEA4",
        "15-char ids are canonicalized"
    );
    assert!(m.session_id.is_some());
    assert!(
        !format!("{m:?}").contains("secret"),
        "the session id must not be printable"
    );
    assert_eq!(m.notifications[0].object_type, "Account");
}

#[test]
fn ack_is_the_exact_envelope() {
    let ack = ack_response();
    assert!(ack.contains("<Ack>true</Ack>"));
    assert!(
        ack.contains(r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">"#)
    );
    assert!(ack.contains(r#"xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#));
    let mut reader = quick_xml::Reader::from_str(ack);
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "the ack must be well-formed");
}

fn expect_err(xml: &str) -> OutboundError {
    parse_outbound(xml.as_bytes()).expect_err(xml)
}

#[test]
fn malformed_envelopes_are_typed_errors() {
    assert!(matches!(expect_err(""), OutboundError::Xml(_)));
    assert!(matches!(
        expect_err("not xml at all"),
        OutboundError::Shape(_) | OutboundError::Xml(_)
    ));
    assert!(matches!(
        expect_err(&SAMPLE.replace("</soapenv:Envelope>", "")),
        OutboundError::Xml(_)
    ));
    assert!(matches!(
        expect_err(&SAMPLE.replace("</sf:Email>", "</sf:Emial>")),
        OutboundError::Xml(_)
    ));
    // Right local names, wrong namespace: string slicing would accept this.
    let wrong_ns = SAMPLE.replace(
        "http://soap.sforce.com/2005/09/outbound",
        "http://evil.example/outbound",
    );
    assert!(matches!(expect_err(&wrong_ns), OutboundError::Shape(_)));
    let no_org = SAMPLE.replace("<OrganizationId>00D5g000004ABCDEA4</OrganizationId>", "");
    assert_eq!(
        expect_err(&no_org),
        OutboundError::Missing("OrganizationId")
    );
    let bad_org = SAMPLE.replace("00D5g000004ABCDEA4", "00D-bad");
    assert!(matches!(
        expect_err(&bad_org),
        OutboundError::BadId {
            field: "OrganizationId",
            ..
        }
    ));
    let no_type = SAMPLE.replace(r#"xsi:type="sf:Lead""#, "");
    assert_eq!(
        expect_err(&no_type),
        OutboundError::Missing("sObject/@xsi:type")
    );
    let no_record_id = SAMPLE.replace("<sf:Id>00Q5g00000XyZaBEAV</sf:Id>", "");
    assert_eq!(
        expect_err(&no_record_id),
        OutboundError::Missing("sObject/Id")
    );
    let nested = SAMPLE.replace(
        "<sf:Email>ng@acme.example</sf:Email>",
        "<sf:Email><b>x</b></sf:Email>",
    );
    assert!(matches!(expect_err(&nested), OutboundError::Shape(_)));
    let doctype = format!(
        "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
        &SAMPLE[SAMPLE.find("<soapenv").unwrap()..]
    );
    assert!(matches!(expect_err(&doctype), OutboundError::Shape(_)));
    let unknown_entity = SAMPLE.replace("&amp;", "&bogus;");
    assert!(matches!(expect_err(&unknown_entity), OutboundError::Xml(_)));
    let trailing = format!("{SAMPLE}<more/>");
    assert!(matches!(expect_err(&trailing), OutboundError::Shape(_)));
}

fn notification(i: usize) -> String {
    format!(
        r#"<Notification><Id>04l5g00000AbC{i:03}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00Q5g00000X{i:04}</sf:Id></sObject></Notification>"#
    )
}

fn with_notifications(n: usize) -> String {
    let body: String = (0..n).map(notification).collect();
    let start = SAMPLE.find("<Notification>").unwrap();
    let end = SAMPLE.find("</notifications>").unwrap();
    format!("{}{body}{}", &SAMPLE[..start], &SAMPLE[end..])
}

#[test]
fn at_most_one_hundred_notifications() {
    let m = parse_outbound(with_notifications(100).as_bytes()).unwrap();
    assert_eq!(m.notifications.len(), 100);
    assert_eq!(m.notifications[99].id, "04l5g00000AbC099");
    assert_eq!(
        expect_err(&with_notifications(101)),
        OutboundError::TooManyNotifications
    );
}

/// `n` attributes on `<soapenv:Body>`, from `attr(i)`.
fn with_body_attributes(n: usize, attr: impl Fn(usize) -> String) -> String {
    let attrs: String = (0..n).map(attr).collect();
    SAMPLE.replace("<soapenv:Body>", &format!("<soapenv:Body{attrs}>"))
}

/// Found by the parser fuzzing (tests/parser-fuzz): 20,000 namespace declarations on one element
/// took 1.1 s to parse (each attribute was resolved against every binding in scope), and a 1 MB
/// body of them or of plain attributes several seconds; real envelopes have a handful.
#[test]
fn attributes_and_namespace_bindings_are_capped() {
    let decl = |i| format!(" xmlns:n{i}=\"urn:n{i}\"");
    let plain = |i| format!(" a{i}=\"\"");
    assert!(parse_outbound(with_body_attributes(MAX_ATTRIBUTES, plain).as_bytes()).is_ok());
    for xml in [
        with_body_attributes(MAX_ATTRIBUTES + 1, plain),
        with_body_attributes(20_000, decl),
    ] {
        assert!(matches!(expect_err(&xml), OutboundError::Shape(why) if why.contains("more than")));
    }
    // Nested declarations add up while their elements are open; closed ones no longer count
    // (every sObject of a 100-notification message declares `sf` again).
    let in_scope_before = 4; // soapenv, xsd, xsi on the envelope; the default on notifications
    let nested = |depth: usize| {
        let open: String = (0..depth)
            .map(|i| format!("<FutureX xmlns:p{i}=\"urn:p\">"))
            .collect();
        SAMPLE.replace(
            "<SessionId",
            &format!("{open}{}<SessionId", "</FutureX>".repeat(depth)),
        )
    };
    assert!(parse_outbound(nested(MAX_NAMESPACES_IN_SCOPE - in_scope_before).as_bytes()).is_ok());
    assert!(matches!(
        expect_err(&nested(MAX_NAMESPACES_IN_SCOPE - in_scope_before + 1)),
        OutboundError::Shape(_)
    ));
    assert!(parse_outbound(with_notifications(100).as_bytes()).is_ok());
}

#[test]
fn oversized_bodies_are_refused_before_parsing() {
    let big = vec![b' '; MAX_ENVELOPE_BYTES + 1];
    assert_eq!(
        parse_outbound(&big).unwrap_err(),
        OutboundError::TooLarge(MAX_ENVELOPE_BYTES + 1)
    );
}

#[test]
fn the_sending_org_is_verified() {
    let m = parse_outbound(SAMPLE.as_bytes()).unwrap();
    assert!(
        m.verify_org(&SfId::parse("00D5g000004ABCD").unwrap())
            .is_ok()
    );
    let other = SfId::parse("00D5g000004ABCE").unwrap();
    assert!(matches!(
        m.verify_org(&other),
        Err(OutboundError::WrongOrg { .. })
    ));
}
