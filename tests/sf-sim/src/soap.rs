//! The outbound-message SOAP envelope, byte-for-byte in the §13 shape.

use crate::state::Org;
use domain::ids::SfId;
use serde_json::Value;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// SOAP form of a stored value: datetimes end in `Z`, null is omitted (None).
fn soap_value(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.len() == 28 && s.ends_with("+0000") && s.as_bytes()[10] == b'T' => {
            Some(format!("{}Z", &s[..23]))
        }
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `notifications` (id, record id) for one object, rendered with each record's current state.
pub fn envelope(
    org: &Org,
    object: &'static str,
    fields: &[String],
    notes: &[(SfId, SfId)],
) -> String {
    let org15 = org.org_id.id15();
    let action = crate::outbound::action_id(org, object)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n <soapenv:Body>\n  <notifications xmlns=\"http://soap.sforce.com/2005/09/outbound\">\n",
    );
    xml.push_str(&format!("   <OrganizationId>{}</OrganizationId>\n   <ActionId>{action}</ActionId>\n   <SessionId xsi:nil=\"true\"/>\n", org.org_id));
    xml.push_str(&format!("   <EnterpriseUrl>{0}/services/Soap/c/62.0/{org15}</EnterpriseUrl>\n   <PartnerUrl>{0}/services/Soap/u/62.0/{org15}</PartnerUrl>\n", org.base_url));
    for (nid, rid) in notes {
        xml.push_str(&format!("   <Notification>\n    <Id>{nid}</Id>\n    <sObject xsi:type=\"sf:{object}\" xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">\n     <sf:Id>{rid}</sf:Id>\n"));
        if let Some(row) = org.store.get(object, rid) {
            for f in fields.iter().filter(|f| f.as_str() != "Id") {
                if let Some(v) = soap_value(row.get(f)) {
                    xml.push_str(&format!("     <sf:{f}>{}</sf:{f}>\n", escape(&v)));
                }
            }
        }
        xml.push_str("    </sObject>\n   </Notification>\n");
    }
    xml.push_str("  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n");
    xml
}
