//! Records as read from either side → `Change`s (values typed by the app's mapping).

use crate::ports::{JingRecord, SfRecord};
use crate::settings::AppSettings;
use domain::datetime;
use domain::{
    Actor, AppId, Change, FieldChange, FieldType, Lane, ObjectKind, Operation, RecordRef, SfId,
    Value,
};
use std::collections::BTreeMap;

/// A Salesforce record read by the poller or the backfill.
pub fn sf_record_change(
    settings: &AppSettings,
    object: ObjectKind,
    rec: &SfRecord,
    lane: Lane,
) -> Change {
    let integration = settings.authorized.as_ref().map(|a| &a.user_id);
    let actor = if rec.modified_by.is_some() && rec.modified_by.as_ref() == integration {
        match lane {
            // The poller is the safety net for lost notifications: see the variant.
            Lane::Live => Actor::IntegrationSnapshot,
            Lane::Backfill => Actor::Integration,
        }
    } else {
        Actor::Human(rec.modified_by.as_ref().map(SfId::to_string))
    };
    let mut fields = BTreeMap::new();
    if let Some(obj) = settings.objects.get(&object) {
        for m in &obj.mapping {
            if let Some(json) = rec.fields.get(&m.sf_field) {
                let v = Value::from_sf_json(m.sf_type, json)
                    .unwrap_or_else(|_| Value::text(json.to_string()));
                fields.insert(
                    m.sf_field.clone(),
                    FieldChange {
                        before: None,
                        after: v,
                    },
                );
            }
        }
    }
    let op = if rec.deleted {
        fields.clear();
        Operation::Delete
    } else if object == ObjectKind::Lead
        && rec.fields.get("IsConverted") == Some(&serde_json::Value::Bool(true))
    {
        let id = |k: &str| {
            rec.fields
                .get(k)
                .and_then(|v| v.as_str())
                .and_then(|s| SfId::parse(s).ok())
        };
        Operation::Convert {
            account: id("ConvertedAccountId"),
            contact: id("ConvertedContactId"),
            opportunity: id("ConvertedOpportunityId"),
        }
    } else {
        Operation::Upsert
    };
    change(
        settings.app.clone(),
        object,
        RecordRef::Salesforce(rec.id.clone()),
        op,
        rec.modstamp,
        actor,
        lane,
        fields,
    )
}

/// A JING record read by the backfill or the safety-net poll (a listing, not a webhook).
pub fn jing_record_change(
    settings: &AppSettings,
    object: ObjectKind,
    rec: &JingRecord,
    lane: Lane,
) -> Change {
    let mut fields = BTreeMap::new();
    if let Some(obj) = settings.objects.get(&object) {
        for m in &obj.mapping {
            if let Some(json) = rec.fields.get(&m.jing_field) {
                let v = Value::from_jing_json(m.jing_type, json)
                    .unwrap_or_else(|_| Value::text(json.to_string()));
                fields.insert(
                    m.jing_field.clone(),
                    FieldChange {
                        before: None,
                        after: v,
                    },
                );
            }
        }
    }
    if rec.deleted {
        fields.clear();
    }
    let op = if rec.deleted {
        Operation::Delete
    } else {
        Operation::Upsert
    };
    let actor = match (rec.by_integration, lane) {
        // A listing shows records as they are now: one we saved last may also hold a person's
        // earlier edit whose webhook was lost, so the safety net plans it field by field.
        (true, Lane::Live) => Actor::IntegrationSnapshot,
        (true, Lane::Backfill) => Actor::Integration,
        (false, _) => Actor::Human(None),
    };
    change(
        settings.app.clone(),
        object,
        RecordRef::Jing(rec.id.clone()),
        op,
        rec.updated_at,
        actor,
        lane,
        fields,
    )
}

#[allow(clippy::too_many_arguments)]
fn change(
    app: AppId,
    object: ObjectKind,
    record: RecordRef,
    op: Operation,
    source_time: time::OffsetDateTime,
    actor: Actor,
    lane: Lane,
    fields: BTreeMap<String, FieldChange>,
) -> Change {
    Change {
        v: domain::change::CHANGE_VERSION,
        app,
        object,
        record,
        op,
        source_time,
        actor,
        lane,
        fields,
    }
}

/// A value of a SOAP outbound message (always text) typed for its field.
pub fn soap_value(ty: FieldType, raw: &str) -> Value {
    let parsed = match ty {
        FieldType::Boolean => raw.parse::<bool>().ok().map(Value::Bool),
        FieldType::Number => raw.parse::<f64>().ok().map(Value::Number),
        FieldType::Date => datetime::parse_date(raw).ok().map(Value::Date),
        FieldType::DateTime => datetime::parse_sf(raw).ok().map(Value::DateTime),
        FieldType::MultiPicklist => Some(Value::Multi(
            raw.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::text(raw)).normalized()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalidated_jing_record_is_a_delete_without_values() {
        let settings = crate::settings::AppSettings::new(
            AppId::parse("acme").unwrap(),
            "Acme",
            crate::settings::Environment::Production,
            "j",
            "59",
        );
        let rec = JingRecord {
            id: domain::JingId::parse("L1").unwrap(),
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            by_integration: false,
            deleted: true,
            fields: [("name".to_string(), serde_json::json!("张三"))].into(),
        };
        let c = jing_record_change(&settings, ObjectKind::Lead, &rec, Lane::Backfill);
        assert_eq!(c.op, Operation::Delete);
        assert!(c.fields.is_empty());
        let live = JingRecord {
            deleted: false,
            ..rec
        };
        assert_eq!(
            jing_record_change(&settings, ObjectKind::Lead, &live, Lane::Live).op,
            Operation::Upsert
        );
        let ours = JingRecord {
            by_integration: true,
            ..live
        };
        let actor = |lane| jing_record_change(&settings, ObjectKind::Lead, &ours, lane).actor;
        // The backfill's echo is dropped whole; the safety net's listing is planned per field.
        assert_eq!(actor(Lane::Backfill), Actor::Integration);
        assert_eq!(actor(Lane::Live), Actor::IntegrationSnapshot);
    }

    #[test]
    fn soap_values_are_typed() {
        assert_eq!(soap_value(FieldType::Boolean, "true"), Value::Bool(true));
        assert_eq!(soap_value(FieldType::Number, "12.5"), Value::Number(12.5));
        assert!(matches!(
            soap_value(FieldType::DateTime, "2024-05-01T08:17:00.000Z"),
            Value::DateTime(_)
        ));
        assert_eq!(soap_value(FieldType::Email, ""), Value::Empty);
        assert_eq!(
            soap_value(FieldType::MultiPicklist, "a;b"),
            Value::Multi(vec!["a".into(), "b".into()])
        );
    }
}
