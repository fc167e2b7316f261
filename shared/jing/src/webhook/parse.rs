//! `object_v2` payloads (KNOWN shape: doc-1924452, doc-2115608, doc-2117445) → `domain::Change`.

use super::{AppWebhookConfig, ParsedEvent, RejectReason, WebhookRejection};
use crate::contract::WebhookContract;
use crate::metadata::FieldTypes;
use domain::change::CHANGE_VERSION;
use domain::datetime::from_epoch_auto;
use domain::{Actor, Change, FieldChange, JingId, Lane, ObjectKind, Operation, RecordRef, Value};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub(crate) struct Payload {
    #[serde(default)]
    pub mid: Option<Json>,
    #[serde(default)]
    pub event_category: Option<String>,
    #[serde(default)]
    pub event_type: Option<String>,
    #[serde(default)]
    pub action_keyword: Option<String>,
    pub create_time: i64,
    pub extra_data: ExtraData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExtraData {
    pub object_name: String,
    pub entity_id: String,
    #[serde(default)]
    pub mapping_data: Map<String, Json>,
    #[serde(default)]
    pub operator_type: Option<i64>,
    #[serde(default)]
    pub operator_id: Option<Json>,
    #[serde(default)]
    pub login_platform: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
}

fn reject(reason: RejectReason) -> WebhookRejection {
    WebhookRejection::new(reason)
}

/// Parse an authenticated body.
pub fn parse_event(app: &AppWebhookConfig, body: &[u8]) -> Result<ParsedEvent, WebhookRejection> {
    let payload: Payload = serde_json::from_slice(body).map_err(malformed)?;
    let (mid, object) = route(app, &payload)?;
    let x = &payload.extra_data;
    let entity = JingId::parse(&x.entity_id).map_err(malformed)?;
    let keyword = payload
        .action_keyword
        .clone()
        .or(payload.event_type.clone())
        .unwrap_or_default();
    let (op, owner_change) = operation(&app.contract, &keyword)?;
    let mut fields = field_changes(object, &x.mapping_data);
    if owner_change && !fields.contains_key("owner") {
        let after = x.owner.clone().map_or(Value::Empty, Value::text);
        fields.insert(
            "owner".to_owned(),
            FieldChange {
                before: None,
                after,
            },
        );
    }
    let change = Change {
        v: CHANGE_VERSION,
        app: app.app.clone(),
        object,
        record: RecordRef::Jing(entity),
        op,
        source_time: from_epoch_auto(payload.create_time).map_err(malformed)?,
        actor: actor(&app.contract, x),
        lane: Lane::Live,
        fields,
    };
    let idempotency_key = super::idempotency::key(&mid, &payload, &keyword);
    Ok(ParsedEvent {
        change,
        idempotency_key,
        mid,
        action_keyword: keyword,
    })
}

/// The reason is logged and answered: the values the parser quotes are masked.
fn malformed(e: impl std::fmt::Display) -> WebhookRejection {
    reject(RejectReason::Malformed(domain::redact::quoted(
        &e.to_string(),
    )))
}

/// Is this event for us: the category we handle, this app's tenant, an object we sync?
fn route(
    app: &AppWebhookConfig,
    payload: &Payload,
) -> Result<(String, ObjectKind), WebhookRejection> {
    let category = payload.event_category.clone().unwrap_or_default();
    if category != app.contract.event_category {
        return Err(reject(RejectReason::UnknownCategory(category)));
    }
    let mid = payload.mid.as_ref().map(json_text).unwrap_or_default();
    if app.expected_mid.as_ref().is_some_and(|m| *m != mid) {
        return Err(reject(RejectReason::WrongTenant(mid)));
    }
    let object = match payload.extra_data.object_name.as_str() {
        "lead" => ObjectKind::Lead,
        "account" => ObjectKind::Account,
        other => return Err(reject(RejectReason::UnsupportedObject(other.to_owned()))),
    };
    Ok((mid, object))
}

/// The operation a keyword stands for, and whether it is an owner change.
fn operation(c: &WebhookContract, keyword: &str) -> Result<(Operation, bool), WebhookRejection> {
    if keyword == c.create_keyword || keyword == c.update_keyword {
        Ok((Operation::Upsert, false))
    } else if c.owner_keywords.iter().any(|k| k == keyword) {
        Ok((Operation::Upsert, true))
    } else if keyword == c.invalidate_keyword {
        Ok((Operation::Delete, false))
    } else {
        Err(reject(RejectReason::UnsupportedAction(keyword.to_owned())))
    }
}

/// `{code: [value]}` on create, `{code: [before, after]}` on update; a bare value is an after.
fn field_changes(object: ObjectKind, mapping: &Map<String, Json>) -> BTreeMap<String, FieldChange> {
    let types = FieldTypes::defaults(object);
    let decode = |code: &str, raw: &Json| {
        Value::from_jing_json(types.of(code), raw)
            .or_else(|_| Value::from_jing_json(FieldTypes::FALLBACK, raw))
            .unwrap_or(Value::Empty)
    };
    mapping
        .iter()
        .map(|(code, raw)| {
            let change = match raw.as_array().map(Vec::as_slice) {
                Some([after]) => FieldChange {
                    before: None,
                    after: decode(code, after),
                },
                Some([before, after, ..]) => FieldChange {
                    before: Some(decode(code, before)),
                    after: decode(code, after),
                },
                Some([]) => FieldChange {
                    before: None,
                    after: Value::Empty,
                },
                None => FieldChange {
                    before: None,
                    after: decode(code, raw),
                },
            };
            (code.clone(), change)
        })
        .collect()
}

/// Our own open-API writes are echoes; everything else is a person (or JING's own automation).
fn actor(c: &WebhookContract, x: &ExtraData) -> Actor {
    let marker = &c.own_writes;
    let ours = x.operator_type == Some(marker.operator_type)
        && x.login_platform.as_deref() == Some(marker.login_platform.as_str());
    if ours {
        Actor::Integration
    } else {
        Actor::Human(
            x.operator_id
                .as_ref()
                .map(json_text)
                .filter(|s| !s.is_empty()),
        )
    }
}

/// A JSON scalar as text (`"59"` and `59` are the same tenant).
pub(crate) fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}
