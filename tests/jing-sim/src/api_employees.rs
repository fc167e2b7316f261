//! Employee (成员) endpoints: query by mobiles/e-mails, list (keyset cursor), create (dedup).

use crate::schema::Refusal;
use crate::state::State;
use crate::store::{EmployeeRec, norm_mobile};
use jing::contract::{codes, fields as f};
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;
use std::ops::Bound;

fn bad(msg: impl Into<String>) -> Refusal {
    Refusal::new(codes::BAD_REQUEST, msg, None)
}

fn employee_json(e: &EmployeeRec) -> Json {
    json!({ "employee_id": e.id, "name": e.name, "mobile": e.mobile, "email": e.email, "status": "active" })
}

fn strings(body: &Json, key: &str) -> Result<Vec<String>, Refusal> {
    match body.get(key) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("{key} must hold strings")))
            })
            .collect(),
        Some(_) => Err(bad(format!("{key} must be an array"))),
    }
}

pub fn query(st: &State, body: &Json) -> Result<Json, Refusal> {
    let mobiles: Vec<String> = strings(body, "mobiles")?
        .iter()
        .map(|m| norm_mobile(m))
        .collect();
    let emails: Vec<String> = strings(body, "emails")?
        .iter()
        .map(|e| e.trim().to_lowercase())
        .collect();
    if mobiles.is_empty() && emails.is_empty() {
        return Err(bad("mobiles or emails is required"));
    }
    if mobiles.len() + emails.len() > st.cfg.max_batch {
        return Err(bad(format!("at most {} keys per query", st.cfg.max_batch)));
    }
    // Each key names at most one employee (dedup); answer in id order, each employee once.
    let keys = mobiles.into_iter().map(|m| ("mobile", m));
    let keys = keys.chain(emails.into_iter().map(|e| ("email", e)));
    let ids: BTreeSet<&String> = keys
        .filter_map(|key| st.store.employee_keys.get(&key))
        .collect();
    let list: Vec<Json> = ids
        .into_iter()
        .filter_map(|id| st.store.employees.get(id))
        .map(employee_json)
        .collect();
    Ok(json!({ "list": list, "next_cursor": null }))
}

pub fn list(st: &State, body: &Json) -> Result<Json, Refusal> {
    let size = match body.get(f::PAGE_SIZE).map(Json::as_u64) {
        None => 100,
        Some(Some(n @ 1..=200)) => n as usize,
        Some(_) => return Err(bad("page_size must be 1 to 200")),
    };
    let after = body
        .get(f::CURSOR)
        .and_then(Json::as_str)
        .unwrap_or_default();
    let mut page: Vec<&EmployeeRec> = st
        .store
        .employees
        .range::<str, _>((Bound::Excluded(after), Bound::Unbounded))
        .map(|(_, e)| e)
        .take(size + 1)
        .collect();
    let next = if page.len() > size {
        page.truncate(size);
        page.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(
        json!({ "list": page.into_iter().map(employee_json).collect::<Vec<_>>(), "next_cursor": next }),
    )
}

pub fn create(st: &mut State, body: &Json) -> Result<Json, Refusal> {
    let text = |k: &str| body.get(k).and_then(Json::as_str);
    let id = st.store.add_employee(
        text("name").unwrap_or_default(),
        text("mobile"),
        text("email"),
    )?;
    Ok(json!({ "employee_id": id }))
}
