//! `GET /sobjects/{object}/describe` (reference §8), modelled as this crate's own serde structs
//! and cached per client (describe changes only when an admin edits the schema).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::client::SfClient;
use crate::error::SfError;
use crate::soql::check_identifier;
use crate::transport::ApiRequest;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SObjectDescribe {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub key_prefix: Option<String>,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub deletable: bool,
    #[serde(default)]
    pub queryable: bool,
    #[serde(default)]
    pub replicateable: bool,
    #[serde(default)]
    pub custom: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub fields: Vec<FieldDescribe>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    #[serde(default)]
    pub label: String,
    /// `string`, `picklist`, `reference`, `datetime`… (reference §8 list).
    #[serde(rename = "type")]
    pub field_type: String,
    /// Characters, for text types.
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub precision: u32,
    #[serde(default)]
    pub scale: u32,
    #[serde(default)]
    pub nillable: bool,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub defaulted_on_create: bool,
    #[serde(default)]
    pub calculated: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub custom: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub reference_to: Vec<String>,
    #[serde(default)]
    pub relationship_name: Option<String>,
    #[serde(default)]
    pub restricted_picklist: bool,
    #[serde(default)]
    pub dependent_picklist: bool,
    #[serde(default)]
    pub controller_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub picklist_values: Vec<PicklistValue>,
    /// Hidden fields behave as missing for mapping purposes.
    #[serde(default)]
    pub deprecated_and_hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    pub value: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub default_value: bool,
    /// Base64 bit set over the controller's value indexes (dependent picklists only).
    #[serde(default)]
    pub valid_for: Option<String>,
}

/// Describe answers `null` for some empty lists in older versions: read it as empty.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl SObjectDescribe {
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

impl FieldDescribe {
    /// Salesforce's "required on create" (reference §8).
    pub fn required_on_create(&self) -> bool {
        self.createable
            && !self.nillable
            && !self.defaulted_on_create
            && self.field_type != "boolean"
    }

    /// Active values, in describe order.
    pub fn active_values(&self) -> impl Iterator<Item = &str> {
        self.picklist_values
            .iter()
            .filter(|v| v.active)
            .map(|v| v.value.as_str())
    }
}

impl PicklistValue {
    /// Whether this dependent value is allowed when the controller has value index `index`
    /// (MSB-first bits of the base64 `validFor`). Non-dependent values (`None`) are always valid;
    /// an undecodable `validFor` is treated as valid for nothing.
    pub fn valid_for_index(&self, index: usize) -> bool {
        let Some(raw) = &self.valid_for else {
            return true;
        };
        let Ok(bytes) = STANDARD.decode(raw) else {
            return false;
        };
        bytes
            .get(index >> 3)
            .is_some_and(|b| b & (0x80 >> (index & 7)) != 0)
    }
}

impl SfClient {
    /// Describe an object, once per client: later calls are answered from the cache.
    pub async fn describe(&self, object: &str) -> Result<Arc<SObjectDescribe>, SfError> {
        let key = check_identifier(object)?.to_ascii_lowercase();
        if let Some(hit) = self
            .describe_cache()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(hit.clone());
        }
        let resp = self
            .send(&ApiRequest::get(format!("sobjects/{object}/describe")))
            .await?;
        let describe = Arc::new(resp.json::<SObjectDescribe>("describe")?);
        self.describe_cache()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, describe.clone());
        Ok(describe)
    }

    /// Forget cached describes (after an admin reports a schema change).
    pub fn clear_describe_cache(&self) {
        self.describe_cache()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"{
      "name": "Status", "label": "Lead Status", "type": "picklist", "soapType": "xsd:string",
      "length": 255, "byteLength": 765, "digits": 0, "precision": 0, "scale": 0,
      "nillable": false, "createable": true, "updateable": true, "defaultedOnCreate": true,
      "defaultValue": null, "calculated": false, "calculatedFormula": null, "autoNumber": false,
      "unique": false, "externalId": false, "idLookup": false, "caseSensitive": false,
      "custom": false, "nameField": false, "namePointing": false, "htmlFormatted": false,
      "filterable": true, "groupable": true, "sortable": true, "aggregatable": true,
      "referenceTo": [], "relationshipName": null, "relationshipOrder": null,
      "restrictedPicklist": false, "dependentPicklist": false, "controllerName": null,
      "picklistValues": [
        {"active": true, "defaultValue": true,  "label": "Open - Not Contacted", "validFor": null, "value": "Open - Not Contacted"},
        {"active": true, "defaultValue": false, "label": "Working - Contacted",  "validFor": null, "value": "Working - Contacted"}
      ],
      "deprecatedAndHidden": false, "writeRequiresMasterRead": false, "inlineHelpText": null
    }"#;

    #[test]
    fn reference_field_decodes() {
        let body = format!(
            r#"{{"name":"Lead","label":"Lead","keyPrefix":"00Q","createable":true,"updateable":true,"queryable":true,
                "replicateable":true,"childRelationships":[],"fields":[{STATUS},
                {{"name":"LastName","type":"string","length":80,"nillable":false,"createable":true,"updateable":true,"defaultedOnCreate":false}},
                {{"name":"HasOptedOutOfEmail","type":"boolean","nillable":false,"createable":true,"defaultedOnCreate":true,"referenceTo":null,"picklistValues":null}}]}}"#
        );
        let d: SObjectDescribe = serde_json::from_str(&body).unwrap();
        assert_eq!(d.key_prefix.as_deref(), Some("00Q"));
        let status = d.field("status").unwrap();
        assert_eq!(
            (status.field_type.as_str(), status.length),
            ("picklist", 255)
        );
        assert!(status.defaulted_on_create && !status.required_on_create());
        assert_eq!(
            status.active_values().collect::<Vec<_>>(),
            ["Open - Not Contacted", "Working - Contacted"]
        );
        assert!(d.field("LastName").unwrap().required_on_create());
        assert!(!d.field("HasOptedOutOfEmail").unwrap().required_on_create());
    }

    #[test]
    fn valid_for_bits_are_msb_first() {
        let v = |s: Option<&str>| PicklistValue {
            value: "x".into(),
            label: "x".into(),
            active: true,
            default_value: false,
            valid_for: s.map(str::to_owned),
        };
        let only_first = v(Some("gAAA")); // 80 00 00
        assert!(only_first.valid_for_index(0));
        assert!(
            !only_first.valid_for_index(1)
                && !only_first.valid_for_index(8)
                && !only_first.valid_for_index(99)
        );
        let second_and_ninth = v(Some("QEA=")); // 40 40
        assert!(second_and_ninth.valid_for_index(1) && second_and_ninth.valid_for_index(9));
        assert!(!second_and_ninth.valid_for_index(0));
        assert!(v(None).valid_for_index(5));
        assert!(!v(Some("%%%")).valid_for_index(0));
    }
}
