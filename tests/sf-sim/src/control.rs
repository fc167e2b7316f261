//! Control endpoints under `/_sim/` for a benchmark or test that runs the simulator as its own
//! process: seed many records at once (as the human user, through the same validation as the
//! UI), count and find records, read the call counters. Not part of Salesforce's API: never
//! counted as API calls, no session needed.

use crate::dml;
use crate::human::{SimError, human_opts, object};
use crate::schema::Object;
use crate::seed;
use crate::state::{Org, Shared};
use crate::store::Row;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;

type S = State<Shared>;

fn refused(e: SimError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": e.to_string()})),
    )
        .into_response()
}

/// `POST /_sim/seed {"object":"Lead","count":N,"start":k}`: N generated records created as the
/// human user (Lead: name, company, e-mail `lead{i}@sf-seed.example`, mobile, title, website).
async fn seed(State(sim): S, axum::Json(req): axum::Json<Value>) -> Response {
    let name = req["object"].as_str().unwrap_or_default();
    let number = |k: &str| req[k].as_u64().unwrap_or(0) as usize;
    // `start`: the first record's number (seeding in several requests continues the series).
    let (count, start) = (number("count"), number("start"));
    let obj = match object(name) {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let mut org = sim.lock();
    let opts = human_opts(&org);
    for i in start..start + count {
        let Some(body) = seed::record(obj.name, i) else {
            return refused(SimError::UnknownObject(name.to_owned()));
        };
        if let Err(e) = dml::create(&mut org, obj, &body, &opts) {
            return refused(SimError::Rejected(e));
        }
    }
    axum::Json(json!({"created": count})).into_response()
}

/// `object`, and optionally `field` and `value`, of a count or find.
type Find = HashMap<String, String>;

fn param<'q>(q: &'q Find, key: &str) -> &'q str {
    q.get(key).map_or("", String::as_str)
}

/// `GET /_sim/count?object=Lead[&field=Email&value=x]`: live records (with that value).
async fn count(State(sim): S, Query(q): Query<Find>) -> Response {
    let obj = match object(param(&q, "object")) {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let org = sim.lock();
    let n = match (q.get("field"), q.get("value")) {
        (Some(f), Some(v)) => match matching(&org, obj, f, v) {
            Ok(rows) => rows.len(),
            Err(e) => return refused(e),
        },
        _ => org.store.live_count(obj.name),
    };
    axum::Json(json!({"count": n})).into_response()
}

/// `GET /_sim/find?object=Lead&field=Email&value=x`: the live records with that value, all
/// fields (an admin's list view; indexed fields answer without a scan).
async fn find(State(sim): S, Query(q): Query<Find>) -> Response {
    let obj = match object(param(&q, "object")) {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let org = sim.lock();
    match matching(&org, obj, param(&q, "field"), param(&q, "value")) {
        Ok(rows) => {
            let rows: Vec<Value> = rows
                .into_iter()
                .map(|r| crate::records::render(r, obj, "v62.0", None))
                .collect();
            axum::Json(json!({"records": rows})).into_response()
        }
        Err(e) => refused(e),
    }
}

/// Live rows whose `field` equals `value` exactly, through the field's equality index.
fn matching<'o>(
    org: &'o Org,
    obj: &'static Object,
    field: &str,
    value: &str,
) -> Result<Vec<&'o Row>, SimError> {
    let field = obj
        .all_fields()
        .find(|f| f.name == field)
        .ok_or_else(|| SimError::UnknownObject(format!("{}.{field}", obj.name)))?;
    Ok(org
        .store
        .candidates(obj.name, field.name, value)
        .into_iter()
        .filter(|r| !r.is_deleted() && r.text(field.name) == Some(value))
        .collect())
}

/// `GET /_sim/calls`: `{"total": n, "by_kind": {...}}` as [`crate::SfSim::calls`].
async fn calls(State(sim): S) -> Response {
    let c = sim.lock().usage.calls.clone();
    axum::Json(json!({"total": c.total, "by_kind": c.by_kind})).into_response()
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/_sim/seed", post(seed))
        .route("/_sim/count", get(count))
        .route("/_sim/find", get(find))
        .route("/_sim/calls", get(calls))
}
