//! A Salesforce record as it arrives: field API names → JSON values, plus `attributes`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use domain::SfId;

/// Field map of a record to write (API names → JSON values; `null` clears a field).
pub type Fields = Map<String, Value>;

/// One record from a query, a Bulk CSV page or a retrieve.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(pub Map<String, Value>);

impl Record {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    pub fn get_str(&self, field: &str) -> Option<&str> {
        self.get(field).and_then(Value::as_str)
    }

    /// The canonical 18-character id, if the record carries a valid `Id`.
    pub fn id(&self) -> Option<SfId> {
        self.get_str("Id").and_then(|raw| SfId::parse(raw).ok())
    }

    /// `attributes.type` (`Lead`), absent in Bulk CSV records.
    pub fn object_type(&self) -> Option<&str> {
        self.0.get("attributes")?.get("type")?.as_str()
    }

    /// `SystemModstamp` parsed (REST `+0000` or Bulk `Z`).
    pub fn system_modstamp(&self) -> Option<OffsetDateTime> {
        self.get_str("SystemModstamp")
            .and_then(|raw| domain::datetime::parse_sf(raw).ok())
    }

    /// The fields without `attributes`.
    pub fn fields(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().filter(|(k, _)| k.as_str() != "attributes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_record_accessors() {
        let r: Record = serde_json::from_str(
            r#"{"attributes": {"type": "Lead", "url": "/services/data/v62.0/sobjects/Lead/00QRO0000035WQg2AM"},
                "Id": "00QRO0000035WQg2AM", "Email": "ng@acme.example", "Phone": null,
                "SystemModstamp": "2024-05-01T08:17:00.000+0000"}"#,
        )
        .unwrap();
        assert_eq!(r.object_type(), Some("Lead"));
        assert_eq!(r.id().unwrap().as_str(), "00QRO0000035WQg2AM");
        assert_eq!(r.get_str("Email"), Some("ng@acme.example"));
        assert!(r.get("Phone").is_none());
        assert_eq!(r.system_modstamp().unwrap().unix_timestamp(), 1_714_551_420);
        assert_eq!(r.fields().count(), 4);
    }
}
