//! The open-API endpoints (object, employee, metadata) over the store. Each returns the `data`
//! of a success envelope or a refusal; writes made here are the connector's own (operator 0).

use crate::schema::{self, Refusal};
use crate::state::State;
use crate::store::Record;
use crate::webhooks::{self, Operator};
use jing::contract::{codes, fields as f};
use serde_json::{Map, Value as Json, json};

fn bad(msg: impl Into<String>) -> Refusal {
    Refusal::new(codes::BAD_REQUEST, msg, None)
}

/// `object_name`, known and permitted.
fn object_of<'a>(st: &State, body: &'a Json) -> Result<&'a str, Refusal> {
    let object = body
        .get(f::OBJECT_NAME)
        .and_then(Json::as_str)
        .ok_or_else(|| bad("object_name is required"))?;
    schema::object(object).ok_or_else(|| bad(format!("unknown object_name {object:?}")))?;
    if st.denied_objects.contains(object) {
        return Err(Refusal::new(
            codes::PERMISSION_DENIED,
            format!("no permission for {object}"),
            None,
        ));
    }
    Ok(object)
}

fn batch<'a>(st: &State, body: &'a Json, key: &str) -> Result<&'a Vec<Json>, Refusal> {
    let items = body
        .get(key)
        .and_then(Json::as_array)
        .ok_or_else(|| bad(format!("{key} must be an array")))?;
    if items.is_empty() || items.len() > st.cfg.max_batch {
        return Err(bad(format!(
            "{key} must hold 1 to {} items",
            st.cfg.max_batch
        )));
    }
    Ok(items)
}

fn fields_of(item: &Json) -> Result<&Map<String, Json>, Refusal> {
    item.get(f::FIELDS)
        .and_then(Json::as_object)
        .ok_or_else(|| bad("fields must be an object"))
}

fn failure(index: usize, r: &Refusal) -> Json {
    json!({ "index": index, "code": r.code, "msg": r.msg, "field": r.field, "existing_id": r.existing })
}

fn batch_answer(results: Vec<Result<String, Refusal>>) -> Json {
    let (mut success, mut failures) = (Vec::new(), Vec::new());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(id) => success.push(json!({ "index": i, "entity_id": id })),
            Err(e) => failures.push(failure(i, &e)),
        }
    }
    json!({ "success": success, "failure": failures })
}

pub fn create(st: &mut State, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let mut results = Vec::new();
    for item in batch(st, body, f::RECORDS)? {
        let r = fields_of(item).and_then(|fields| st.store.create(object, fields, now_ms));
        if let Ok(id) = &r {
            st.store.mark_by_api(id, true);
            webhooks::on_create(st, object, id, Operator::API, now_ms);
        }
        results.push(r);
    }
    Ok(batch_answer(results))
}

pub fn update(st: &mut State, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let mut results = Vec::new();
    for item in batch(st, body, f::RECORDS)? {
        let id = item
            .get(f::ENTITY_ID)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let r = fields_of(item).and_then(|fields| st.store.update(object, &id, fields, now_ms));
        if let Ok(diff) = &r {
            if !diff.is_empty() {
                st.store.mark_by_api(&id, true);
            }
            webhooks::on_update(st, object, &id, diff, None, Operator::API, now_ms);
        }
        results.push(r.map(|_| id));
    }
    Ok(batch_answer(results))
}

pub fn invalidate(st: &mut State, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let mut results = Vec::new();
    for item in batch(st, body, f::ENTITY_IDS)? {
        let id = item.as_str().unwrap_or_default().to_owned();
        let r = st.store.invalidate(object, &id, now_ms);
        if r == Ok(true) {
            st.store.mark_by_api(&id, true);
            webhooks::on_invalidate(st, object, &id, Operator::API, now_ms);
        }
        results.push(r.map(|_| id));
    }
    Ok(batch_answer(results))
}

pub fn record_json(r: &Record) -> Json {
    let op = if r.by_api {
        Operator::API
    } else {
        Operator::human(0)
    };
    json!({ "entity_id": r.id, "fields": r.fields, "created_time": r.created_ms,
            "updated_time": r.updated_ms, "invalid": r.invalid,
            "last_operator": { "operator_type": op.operator_type, "login_platform": op.login_platform } })
}

pub fn get(st: &State, body: &Json) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let (mut records, mut not_found) = (Vec::new(), Vec::new());
    for id in batch(st, body, f::ENTITY_IDS)? {
        let id = id.as_str().unwrap_or_default();
        match st.store.get(object, id) {
            Some(r) => records.push(record_json(r)),
            None => not_found.push(id.to_owned()),
        }
    }
    Ok(json!({ "records": records, "not_found": not_found }))
}

fn page_size(body: &Json) -> Result<usize, Refusal> {
    match body.get(f::PAGE_SIZE).map(Json::as_u64) {
        None => Ok(100),
        Some(Some(n @ 1..=200)) => Ok(n as usize),
        Some(_) => Err(bad("page_size must be 1 to 200")),
    }
}

/// The change list of our contract (docs/jing-contract.md §3; JING's real list, filter and paging
/// are not in the reference): records, invalidated ones included, whose `updated_time` is at or
/// after `updated_since` (epoch ms, required), in (`updated_time`, `entity_id`) order, paged by a
/// keyset cursor that only continues the listing it came from (same object, same
/// `updated_since`).
pub fn list(st: &State, body: &Json) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let since = match body.get(f::UPDATED_SINCE) {
        None => return Err(bad("updated_since is required")),
        Some(v) => v
            .as_i64()
            .filter(|ms| *ms >= 0)
            .ok_or_else(|| bad("updated_since must be epoch milliseconds"))?,
    };
    let after = match body.get(f::CURSOR) {
        None | Some(Json::Null) => None,
        Some(c) => Some(parse_cursor(c.as_str(), object, since)?),
    };
    let (page, next) = st
        .store
        .list_changed(object, since, after, page_size(body)?);
    let list: Vec<Json> = page.into_iter().map(record_json).collect();
    let next = next.map(|(ms, id)| format!("{object}.{since}.{ms}.{id}"));
    Ok(json!({ "list": list, "next_cursor": next }))
}

/// A cursor is `object.since.updated_ms.entity_id`; one from another listing is refused.
fn parse_cursor(c: Option<&str>, object: &str, since: i64) -> Result<(i64, String), Refusal> {
    let invalid = || bad("invalid cursor");
    let mut parts = c.ok_or_else(invalid)?.splitn(4, '.');
    let (Some(o), Some(s), Some(ms), Some(id)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if o != object || s.parse::<i64>().ok() != Some(since) {
        return Err(bad(
            "the cursor belongs to another listing (object_name or updated_since)",
        ));
    }
    Ok((ms.parse().map_err(|_| invalid())?, id.to_owned()))
}

pub fn fields(st: &State, body: &Json) -> Result<Json, Refusal> {
    let object = object_of(st, body)?;
    let (fields, _) = schema::object(object).ok_or_else(|| bad("unknown object"))?;
    Ok(schema::metadata(fields))
}
