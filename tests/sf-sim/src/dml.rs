//! Create, update, delete: the one place records change, whoever asks (REST, collections,
//! composite, the human Rust API). Validation order: body shape, locks, field values, required
//! fields, dependencies, converted-lead guard, duplicate rules; then system fields and triggers.

use crate::errors::DmlError;
use crate::schema::{Object, stage_facts};
use crate::state::Org;
use crate::store::Row;
use crate::validate::{
    check_dependencies, check_unique, check_value, missing_required, parse_body,
};
use crate::{duplicates, outbound};
use domain::datetime::format_sf;
use domain::ids::SfId;
use serde_json::{Map, Value, json};

/// Who writes and which request headers apply.
#[derive(Debug, Clone)]
pub struct WriteOpts {
    pub actor: SfId,
    /// API write (subject to lock faults and duplicate rules) vs a human in the UI.
    pub api: bool,
    /// `Sforce-Auto-Assign` absent or TRUE.
    pub auto_assign: bool,
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`.
    pub allow_save: bool,
    /// API version for URLs inside `duplicateResult`.
    pub version: String,
}

pub type DmlResult<T> = Result<T, Vec<DmlError>>;

fn one<T>(e: DmlError) -> DmlResult<T> {
    Err(vec![e])
}

pub fn create(
    org: &mut Org,
    obj: &'static Object,
    body: &Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<SfId> {
    if !obj.writable {
        return one(DmlError::new(
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", obj.name),
        ));
    }
    let changes = parse_body(obj, body, true).map_err(|e| vec![e])?;
    take_lock(org, opts, None)?;
    let mut row = blank_row(obj);
    for (f, v) in &changes {
        check_value(&org.store, f, v).map_err(|e| vec![e])?;
        row.insert(f.name.to_owned(), v.clone());
    }
    apply_defaults(obj, &mut row, &opts.actor);
    finish_checks(org, obj, &row, None, opts)?;
    let id = org.ids.next(obj.prefix);
    row.insert("Id".into(), json!(id.as_str()));
    row.insert("CreatedById".into(), json!(opts.actor.as_str()));
    row.insert("CreatedDate".into(), json!(format_sf(org.clock.now())));
    stamp(org, obj, &mut row, opts);
    org.store.insert(
        obj.name,
        &id,
        Row {
            fields: row,
            deleted_at: None,
        },
    );
    outbound::on_change(org, obj.name, &id, opts);
    Ok(id)
}

pub fn update(
    org: &mut Org,
    obj: &'static Object,
    id: &SfId,
    body: &Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<()> {
    if !obj.writable {
        return one(DmlError::new(
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", obj.name),
        ));
    }
    let current = live_row(org, obj, id)?.fields.clone();
    let changes = parse_body(obj, body, false).map_err(|e| vec![e])?;
    take_lock(org, opts, Some(id))?;
    if obj.name == "Lead" && current.get("IsConverted") == Some(&json!(true)) {
        return one(DmlError::new(
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "cannot reference converted lead",
        ));
    }
    let mut row = current;
    for (f, v) in &changes {
        check_value(&org.store, f, v).map_err(|e| vec![e])?;
        row.insert(f.name.to_owned(), v.clone());
    }
    finish_checks(org, obj, &row, Some(id), opts)?;
    stamp(org, obj, &mut row, opts);
    org.store.update(obj.name, id, |r| r.fields = row);
    outbound::on_change(org, obj.name, id, opts);
    Ok(())
}

pub fn delete(org: &mut Org, obj: &'static Object, id: &SfId, opts: &WriteOpts) -> DmlResult<()> {
    live_row(org, obj, id)?;
    take_lock(org, opts, Some(id))?;
    let now = org.clock.now();
    org.store.update(obj.name, id, |r| {
        r.deleted_at = Some(now);
        r.fields.insert("IsDeleted".into(), json!(true));
        r.fields
            .insert("SystemModstamp".into(), json!(format_sf(now)));
    });
    Ok(())
}

/// The row if it exists and is not in the recycle bin.
pub fn live_row<'a>(org: &'a Org, obj: &'static Object, id: &SfId) -> DmlResult<&'a Row> {
    match org.store.get(obj.name, id) {
        Some(r) if r.is_deleted() => one(DmlError::new("ENTITY_IS_DELETED", "entity is deleted")),
        Some(r) => Ok(r),
        None => one(DmlError::new(
            "NOT_FOUND",
            "The requested resource does not exist",
        )),
    }
}

fn take_lock(org: &mut Org, opts: &WriteOpts, id: Option<&SfId>) -> DmlResult<()> {
    if opts.api && org.faults.take_lock() {
        let tail = id
            .map(|i| format!(" or 1 records: {i}"))
            .unwrap_or_default();
        return one(DmlError::new(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record{tail}"),
        ));
    }
    Ok(())
}

fn finish_checks(
    org: &Org,
    obj: &'static Object,
    row: &Map<String, Value>,
    id: Option<&SfId>,
    opts: &WriteOpts,
) -> DmlResult<()> {
    if let Some(e) = missing_required(obj, row) {
        return one(e);
    }
    check_dependencies(obj, row).map_err(|e| vec![e])?;
    check_unique(&org.store, obj, row, id).map_err(|e| vec![e])?;
    if opts.api && org.cfg.duplicate_rules {
        duplicates::check(org, obj, row, id, opts)?;
    }
    Ok(())
}

/// A new row holds only the values it is given (and defaults): an absent field reads as null
/// (`Row::get`), so a million rows do not each carry every field's null.
fn blank_row(_obj: &Object) -> Map<String, Value> {
    Map::new()
}

fn apply_defaults(obj: &Object, row: &mut Map<String, Value>, actor: &SfId) {
    for f in obj.all_fields() {
        let unset = row.get(f.name).is_none_or(Value::is_null);
        if !unset {
            continue;
        }
        if let Some(d) = f.default_value {
            row.insert(f.name.to_owned(), json!(d));
        } else if f.kind == crate::schema::Kind::Boolean {
            row.insert(f.name.to_owned(), json!(false));
        }
    }
    if obj.field("OwnerId").is_some() && row.get("OwnerId").is_none_or(Value::is_null) {
        row.insert("OwnerId".into(), json!(actor.as_str()));
    }
}

/// Audit fields, derived fields and the assignment rule.
fn stamp(org: &Org, obj: &Object, row: &mut Map<String, Value>, opts: &WriteOpts) {
    let now = json!(format_sf(org.clock.now()));
    row.insert("LastModifiedDate".into(), now.clone());
    row.insert("SystemModstamp".into(), now);
    row.insert("LastModifiedById".into(), json!(opts.actor.as_str()));
    if obj.field("Name").is_some() && obj.field("FirstName").is_some() {
        let first = row.get("FirstName").and_then(Value::as_str).unwrap_or("");
        let last = row.get("LastName").and_then(Value::as_str).unwrap_or("");
        row.insert(
            "Name".into(),
            json!(format!("{first} {last}").trim().to_owned()),
        );
    }
    if obj.name == "Opportunity" {
        let stage = row.get("StageName").and_then(Value::as_str).unwrap_or("");
        let (probability, closed, won) = stage_facts(stage);
        row.insert("Probability".into(), crate::validate::number(probability));
        row.insert("IsClosed".into(), json!(closed));
        row.insert("IsWon".into(), json!(won));
        let category = if won {
            "Closed"
        } else if closed {
            "Omitted"
        } else {
            "Pipeline"
        };
        row.insert("ForecastCategoryName".into(), json!(category));
    }
    if let (true, Some(owner)) = (
        obj.name == "Lead" && opts.api && opts.auto_assign,
        &org.cfg.auto_assign_owner,
    ) {
        row.insert("OwnerId".into(), json!(owner.as_str()));
    }
}

/// Set fields as the platform itself does (conversion, system jobs): no validation, no
/// read-only checks. `touch_modified` = a user-visible change (LastModified* move too);
/// otherwise only SystemModstamp moves.
pub fn system_update(
    org: &mut Org,
    obj: &'static Object,
    id: &SfId,
    fields: Map<String, Value>,
    actor: &SfId,
    touch_modified: bool,
) -> DmlResult<()> {
    live_row(org, obj, id)?;
    let now = json!(format_sf(org.clock.now()));
    org.store.update(obj.name, id, |row| {
        row.fields.extend(fields);
        row.fields.insert("SystemModstamp".into(), now.clone());
        if touch_modified {
            row.fields.insert("LastModifiedDate".into(), now);
            row.fields
                .insert("LastModifiedById".into(), json!(actor.as_str()));
        }
    });
    Ok(())
}
