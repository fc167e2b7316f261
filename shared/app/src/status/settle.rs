//! Settle a conflict from the ledger (保留此方的值): the admin picks the side whose value both
//! sides keep. The kept value goes through the writer like any change — a change from the kept
//! side carrying it, made now by the admin ([`Actor::Admin`]) — so echo suppression, the
//! budget, the circuit breaker and error handling apply; the writer also gives the value back
//! to the kept side where the conflict had overwritten it there. The ledger entries of that
//! record's field are marked settled (who, when, which side).

use super::StatusDeps;
use crate::ports::{Binding, ConflictEntry, ConflictKey, ListQuery, Settlement, StoreError};
use crate::settings::AppSettings;
use domain::{
    Actor, AppId, Change, FieldMapping, JingId, ObjectKind, ObjectSpec, RecordRef, SfId, Side,
    Value,
};
use serde::Serialize;
use time::OffsetDateTime;

/// What the admin asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleRequest {
    pub object: ObjectKind,
    pub record_key: String,
    /// The Salesforce field name, as the ledger names it.
    pub field: String,
    pub keep: Side,
    pub by: String,
}

/// What settling did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettleReport {
    /// The value both sides are to hold (in the kept side's terms).
    pub value: Value,
    /// The kept side's record the queued change is about.
    pub record: RecordRef,
    /// Ledger entries marked settled.
    pub settled: u64,
}

/// Why a conflict could not be settled; each says what the admin does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// No open conflict of this record's field: reload the ledger (someone settled it).
    #[error("no open conflict of {object} {record_key} field {field}")]
    NotFound {
        object: ObjectKind,
        record_key: String,
        field: String,
    },
    /// The record is no longer bound (deleted on a side): nothing to write to.
    #[error("{0} is not bound to a record on the other side any more")]
    Unbound(String),
    /// The field is no longer mapped for the object: map it again, or edit both sides.
    #[error("field {0} is not mapped any more")]
    Unmapped(String),
}

/// Enqueue the kept value and mark the ledger entries settled.
pub async fn settle(
    deps: &StatusDeps<'_>,
    settings: &AppSettings,
    req: &SettleRequest,
    now: OffsetDateTime,
) -> Result<SettleReport, SettleError> {
    let key = ConflictKey {
        object: req.object,
        record_key: &req.record_key,
        field: &req.field,
    };
    let entry = newest_open(deps, &settings.app, &key).await?;
    let binding = bound(deps, &settings.app, &entry).await?;
    let mapping = settings
        .object(req.object)
        .and_then(|o| o.mapping.iter().find(|m| m.sf_field == req.field))
        .ok_or_else(|| SettleError::Unmapped(req.field.clone()))?;
    let incoming = incoming_side(&entry, &binding);
    let value = kept_value(&entry, incoming, req.keep, mapping);
    let (record, field) = match req.keep {
        Side::Salesforce => (
            RecordRef::Salesforce(binding.sf_id.clone()),
            &mapping.sf_field,
        ),
        Side::Jing => (
            RecordRef::Jing(binding.jing_id.clone()),
            &mapping.jing_field,
        ),
    };
    let mut change = Change::upsert(
        settings.app.clone(),
        req.object,
        record.clone(),
        now,
        [(field.clone(), value.clone())],
    );
    change.actor = Actor::Admin(req.by.clone());
    deps.queue.send(&[change]).await?;
    let how = Settlement {
        keep: req.keep,
        by: req.by.clone(),
        at: now,
    };
    let settled = deps
        .ledger
        .settle_conflicts(&settings.app, &key, &how)
        .await?;
    tracing::info!(app_id = %settings.app, object = %req.object, field = %req.field, keep = ?req.keep, "Conflict settled from the ledger.");
    Ok(SettleReport {
        value,
        record,
        settled,
    })
}

/// The newest unsettled entry of the record's field.
async fn newest_open(
    deps: &StatusDeps<'_>,
    app: &AppId,
    key: &ConflictKey<'_>,
) -> Result<ConflictEntry, SettleError> {
    const PAGE: u64 = 200;
    let mut q = ListQuery {
        search: Some(key.record_key.to_owned()),
        object: Some(key.object),
        limit: PAGE,
        ..ListQuery::default()
    };
    loop {
        let page = deps.ledger.conflicts(app, &q).await?;
        if let Some(open) = page.items.iter().find(|c| key.open(c)) {
            return Ok(open.clone());
        }
        q.offset += PAGE;
        if page.items.is_empty() || q.offset >= page.total {
            return Err(SettleError::NotFound {
                object: key.object,
                record_key: key.record_key.to_owned(),
                field: key.field.to_owned(),
            });
        }
    }
}

/// The record's binding, looked up by the side its key is on.
async fn bound(
    deps: &StatusDeps<'_>,
    app: &AppId,
    entry: &ConflictEntry,
) -> Result<Binding, SettleError> {
    let prefix = ObjectSpec::of(entry.object).sf_key_prefix;
    let found = match SfId::parse_with_prefix(&entry.record_key, prefix) {
        Ok(sf) => deps.bindings.by_sf(app, entry.object, &sf).await?,
        Err(_) => match JingId::parse(&entry.record_key) {
            Ok(jing) => deps.bindings.by_jing(app, entry.object, &jing).await?,
            Err(_) => None,
        },
    };
    found.ok_or_else(|| SettleError::Unbound(entry.record_key.clone()))
}

/// The side whose change met the conflict: the entry says so; older entries are told by
/// which of the binding's ids their key is.
fn incoming_side(entry: &ConflictEntry, binding: &Binding) -> Side {
    match entry.direction {
        Some(d) => d.origin(),
        None if binding.sf_id.as_str() == entry.record_key => Side::Salesforce,
        None => match SfId::parse(&entry.record_key) {
            Ok(id) if id == binding.sf_id => Side::Salesforce,
            _ => Side::Jing,
        },
    }
}

/// The kept side's value in its own terms: the ledger holds both values in the terms of the
/// side the change was written to.
fn kept_value(entry: &ConflictEntry, incoming: Side, keep: Side, m: &FieldMapping) -> Value {
    let target = incoming.other();
    if keep == target {
        return entry.conflict.target.clone();
    }
    domain::plan::convert(&entry.conflict.incoming, m, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Direction, FieldRule, FieldType};

    #[test]
    fn the_kept_value_is_told_in_the_kept_sides_terms() {
        let entry = |incoming: Value, target: Value| ConflictEntry {
            app: AppId::parse("acme").unwrap(),
            object: ObjectKind::Lead,
            record_key: "00Q000000000001".into(),
            field: "NumberOfEmployees".into(),
            conflict: domain::rules::Conflict {
                incoming,
                target,
                winner: Side::Salesforce,
            },
            at: OffsetDateTime::UNIX_EPOCH,
            direction: Some(Direction::SfToJing),
            settled: None,
        };
        let m = FieldMapping {
            sf_field: "NumberOfEmployees".into(),
            jing_field: "size".into(),
            sf_type: FieldType::Number,
            jing_type: FieldType::Text { max_len: 40 },
            rule: FieldRule::TwoWay,
            blank: domain::BlankMeaning::default(),
            pinned: false,
            options: Vec::new(),
        };
        let e = entry(Value::text("250"), Value::text("300"));
        assert_eq!(
            kept_value(&e, Side::Salesforce, Side::Jing, &m),
            Value::text("300")
        );
        assert_eq!(
            kept_value(&e, Side::Salesforce, Side::Salesforce, &m),
            Value::Number(250.0),
            "JING's text back into Salesforce's number"
        );
    }
}
