//! Composite (`POST /composite`, §5.2): ≤ 25 subrequests run in order through the same REST
//! routes, `@{ref.path}` references, allOrNone rollback; the whole request is one API call.

use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::{Ctx, valid_version};
use crate::outbound::QueueMark;
use crate::state::Shared;
use crate::store::Savepoint;
use axum::Extension;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

const MAX_SUBREQUESTS: usize = 25;
/// Of which query, queryAll or sObject Collections operations (§5.2).
const MAX_QUERY_OR_COLLECTIONS: usize = 5;

/// Whether a subrequest is a query, queryAll or sObject Collections operation.
fn is_query_or_collections(url: &str) -> bool {
    let path = url.split('?').next().unwrap_or("");
    let rest = path
        .strip_prefix("/services/data/")
        .and_then(|r| r.split_once('/'))
        .map_or("", |(_, rest)| rest);
    ["query", "queryAll", "composite/sobjects"]
        .iter()
        .any(|p| rest == *p || rest.starts_with(&format!("{p}/")))
}

/// More than five queries or collections operations: refused before anything runs, in the
/// shape Salesforce answers an over-long composite (one entry, status 400, `LIMIT_EXCEEDED`).
fn too_many_queries(subs: &[Sub]) -> Option<Value> {
    let n = subs
        .iter()
        .filter(|s| is_query_or_collections(&s.url))
        .count();
    (n > MAX_QUERY_OR_COLLECTIONS).then(|| {
        json!({"compositeResponse": [{
            "body": [{"errorCode": "LIMIT_EXCEEDED",
                      "message": format!("The request can’t contain more than {MAX_QUERY_OR_COLLECTIONS} query or sObject Collections operations.")}],
            "httpHeaders": {}, "httpStatusCode": 400, "referenceId": null}]})
    })
}

pub(crate) struct Sub {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) reference: String,
    pub(crate) body: Option<Value>,
    pub(crate) headers: Map<String, Value>,
}

fn parse(body: &Bytes) -> Result<(bool, Vec<Sub>), ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::json_parse(format!("Unexpected character: {e}")))?;
    let all_or_none = v.get("allOrNone").and_then(Value::as_bool).unwrap_or(false);
    let list = v
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parse("compositeRequest is required"))?;
    if list.is_empty() || list.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_SIZE",
            format!(
                "The composite request must contain between 1 and {MAX_SUBREQUESTS} subrequests"
            ),
        ));
    }
    let mut seen = vec![];
    let subs = list
        .iter()
        .map(|s| {
            let text = |k: &str| {
                s.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::json_parse(format!("Received invalid input: {k} is required"))
                    })
            };
            let reference = text("referenceId")?;
            if seen.contains(&reference)
                || !reference
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                || !reference
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(ApiError::json_parse(format!(
                    "Invalid referenceId: {reference}"
                )));
            }
            seen.push(reference.clone());
            let headers = s
                .get("httpHeaders")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            Ok(Sub {
                method: text("method")?,
                url: text("url")?,
                reference,
                body: s.get("body").cloned(),
                headers,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((all_or_none, subs))
}

/// Replace every `@{ref.path}` in `s` using earlier response bodies.
fn resolve_refs(s: &str, results: &HashMap<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        out.push_str(&lookup(&rest[start + 2..end], results)?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `ref.records[0].Id` against a stored response body.
fn lookup(path: &str, results: &HashMap<String, Value>) -> Option<String> {
    let mut parts = path.split('.');
    let mut cur = results.get(parts.next()?)?;
    for p in parts {
        let (name, index) = match p.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (p, None),
        };
        cur = cur.get(name)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn halted(reference: &str) -> Value {
    json!({"body": [{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}],
           "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference})
}

/// An all-or-none composite request's savepoint. Kept unless rolled back, also when the
/// request is dropped half-way (its subrequests were applied one by one).
struct Unit {
    sim: Shared,
    open: Option<(Savepoint, QueueMark)>,
}

impl Unit {
    fn start(sim: &Shared) -> Unit {
        let mut org = sim.lock();
        let open = Some((org.store.savepoint(), org.outbound.mark()));
        Unit {
            sim: sim.clone(),
            open,
        }
    }
    fn roll_back(&mut self) {
        if let Some((sp, mark)) = self.open.take() {
            let mut org = self.sim.lock();
            org.store.rollback(sp);
            org.outbound.rollback(mark);
        }
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        if let Some((sp, _)) = self.open.take() {
            self.sim.lock().store.release(sp);
        }
    }
}

pub async fn composite(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (all_or_none, subs) = parse(&body)?;
    if let Some(refused) = too_many_queries(&subs) {
        return Ok(json_response(StatusCode::OK, &refused));
    }
    let mut unit = all_or_none.then(|| Unit::start(&sim));
    let inner = crate::server::api_routes().with_state(sim.clone());
    let mut bodies: HashMap<String, Value> = HashMap::new();
    let mut out: Vec<Value> = vec![];
    let mut failed = false;
    for sub in &subs {
        if failed && all_or_none {
            out.push(halted(&sub.reference));
            continue;
        }
        let (status, body, location) = match run_sub(&inner, &ctx, &headers, sub, &bodies).await {
            Some(r) => r,
            None => (
                StatusCode::BAD_REQUEST,
                json!([{"errorCode": "PROCESSING_HALTED", "message": "Invalid reference specified. No value for a reference in the request."}]),
                None,
            ),
        };
        failed |= status.as_u16() >= 400;
        bodies.insert(sub.reference.clone(), body.clone());
        let http_headers = location.map_or(json!({}), |l| json!({"Location": l}));
        out.push(json!({"body": body, "httpHeaders": http_headers, "httpStatusCode": status.as_u16(), "referenceId": sub.reference}));
    }
    if let (true, Some(unit)) = (failed, unit.as_mut()) {
        unit.roll_back();
        for (entry, sub) in out.iter_mut().zip(&subs) {
            if entry["httpStatusCode"].as_u64().is_some_and(|s| s < 400) {
                *entry = halted(&sub.reference);
            }
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"compositeResponse": out}),
    ))
}

pub(crate) async fn run_sub(
    inner: &axum::Router,
    ctx: &Ctx,
    outer: &HeaderMap,
    sub: &Sub,
    bodies: &HashMap<String, Value>,
) -> Option<(StatusCode, Value, Option<String>)> {
    let url = resolve_refs(&sub.url, bodies)?;
    let body = match &sub.body {
        Some(b) => resolve_refs(&b.to_string(), bodies)?,
        None => String::new(),
    };
    let version = url
        .strip_prefix("/services/data/")
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let path = url.split('?').next().unwrap_or("");
    if !valid_version(version) || path.ends_with("/composite") {
        return Some((StatusCode::NOT_FOUND, ApiError::not_found().body(), None));
    }
    let mut req = Request::builder()
        .method(sub.method.as_str())
        .uri(&url)
        .header("Content-Type", "application/json");
    for (k, v) in outer
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("sforce-"))
    {
        req = req.header(k, v);
    }
    for (k, v) in &sub.headers {
        req = req.header(k.as_str(), v.as_str().unwrap_or_default());
    }
    let mut req = req.body(Body::from(body)).ok()?;
    req.extensions_mut().insert(Ctx {
        version: version.to_owned(),
        user: ctx.user.clone(),
    });
    let resp = inner.clone().oneshot(req).await.ok()?;
    let status = resp.status();
    let location = resp
        .headers()
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = to_bytes(resp.into_body(), usize::MAX).await.ok()?;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Some((status, value, location))
}
