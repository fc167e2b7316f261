//! JING's wire shapes: the response envelope (KNOWN), token data (KNOWN) and the batch result
//! items (`data.success[]` / `data.failure[]` KNOWN, item shapes ASSUMED).

use serde::{Deserialize, Serialize};

/// KNOWN (api-55077543): `{request_id, code, msg, data, timestamp}`; `timestamp` is epoch ms and
/// may be absent (api-355314250 omits it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    #[serde(default)]
    pub request_id: String,
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default = "none")]
    pub data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
}

fn none<T>() -> Option<T> {
    None
}

/// KNOWN (api-55077543): the token answer of get-token and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenData {
    pub access_token: String,
    pub refresh_token: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub token_type: String,
    /// Seconds the access token remains valid from now.
    pub expires_in: u64,
}

/// One created/updated/invalidated item (ASSUMED: `{index, entity_id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessItem {
    pub index: usize,
    pub entity_id: String,
}

/// One refused item (ASSUMED: `{index, code, msg, field?, existing_id?}`); `existing_id` is set
/// when the duplicate rules matched an existing record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureItem {
    pub index: usize,
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
}

/// KNOWN shape of batch answers: per-item partial success.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchData {
    #[serde(default)]
    pub success: Vec<SuccessItem>,
    #[serde(default)]
    pub failure: Vec<FailureItem>,
}

/// One record as the (ASSUMED) get/list endpoints return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordData {
    pub entity_id: String,
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Epoch milliseconds of the last change.
    pub updated_time: i64,
    #[serde(default)]
    pub created_time: i64,
    /// True once the record is invalidated (作废).
    #[serde(default)]
    pub invalid: bool,
    /// ASSUMED: who made the last change, marked like webhook operators.
    #[serde(default)]
    pub last_operator: Option<OperatorData>,
}

/// An operator as JING marks it (`operator_type` 0 none/open API, 1 back office, 2 member).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OperatorData {
    #[serde(default)]
    pub operator_type: i64,
    #[serde(default)]
    pub login_platform: String,
}

/// ASSUMED answer of the get endpoint: found records plus ids it does not know.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GetData {
    #[serde(default)]
    pub records: Vec<RecordData>,
    #[serde(default)]
    pub not_found: Vec<String>,
}

/// ASSUMED answer of paged list endpoints (keyset cursor, opaque to the client).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageData<T> {
    pub list: Vec<T>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// ASSUMED employee (成员) shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployeeData {
    pub employee_id: String,
    pub name: String,
    #[serde(default)]
    pub mobile: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "active".to_owned()
}

/// ASSUMED field metadata item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMetaData {
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// `text`, `textarea`, `email`, `phone`, `url`, `select`, `multi_select`, `number`, `date`,
    /// `datetime`, `boolean`, `reference`.
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub options: Vec<OptionData>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionData {
    pub value: String,
    #[serde(default)]
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_refresh_answer_parses() {
        let raw = r#"{"request_id":"6f843be20b21c5e18b9825616b85b424","code":0,"msg":"success",
            "data":{"access_token":"535eda1d-a06e-42f9-958f-d244ae72b646",
            "refresh_token":"fc5e86a1-81da-4715-a18f-8724ff1fd413","scope":"all",
            "token_type":"bearer","expires_in":4511},"timestamp":1722583035263}"#;
        let env: Envelope<TokenData> = serde_json::from_str(raw).unwrap();
        assert_eq!(env.code, 0);
        assert_eq!(env.timestamp, Some(1722583035263));
        assert_eq!(env.data.unwrap().expires_in, 4511);
    }

    #[test]
    fn documented_batch_answer_without_timestamp_parses() {
        let raw = r#"{"request_id":"0cebb5c1dcfc4a13814bb28184d2c39b","code":0,"msg":"success",
            "data":{"success":[],"failure":[{"index":1,"code":42205,"msg":"dup","existing_id":"x1"}]}}"#;
        let env: Envelope<BatchData> = serde_json::from_str(raw).unwrap();
        assert_eq!(env.timestamp, None);
        let data = env.data.unwrap();
        assert_eq!(data.failure[0].existing_id.as_deref(), Some("x1"));
    }

    #[test]
    fn an_error_envelope_has_no_data() {
        let raw = r#"{"request_id":"r","code":40002,"msg":"access_token expired","data":null}"#;
        let env: Envelope<BatchData> = serde_json::from_str(raw).unwrap();
        assert!(env.data.is_none());
        assert_eq!(env.code, 40002);
    }
}
