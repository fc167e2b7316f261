//! What every request passes before a handler: injected faults and latency, then for the REST
//! API the version check, the session check (401), the allocation (403) and `Sforce-Limit-Info`.

use crate::dml::WriteOpts;
use crate::errors::{ApiError, json_response};
use crate::faults::Fault;
use crate::limits::classify;
use crate::oauth::session_user;
use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ids::SfId;
use serde_json::{Map, Value, json};

/// Per-request facts handed to REST handlers.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `v62.0` as it appeared in the path (echoed in URLs).
    pub version: String,
    pub user: SfId,
}

impl Ctx {
    pub fn write_opts(&self, headers: &HeaderMap) -> WriteOpts {
        WriteOpts {
            actor: self.user.clone(),
            api: true,
            auto_assign: auto_assign(headers),
            allow_save: allow_save(headers),
            version: self.version.clone(),
        }
    }
}

/// Outermost layer: armed outages and added latency apply to every endpoint.
pub async fn faults(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let (fault, latency) = {
        let mut org = sim.lock();
        (org.faults.take_failure(), org.faults.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(f) = fault {
        return fault_response(f);
    }
    if let Some(status) = oversized(&req) {
        return (status, "Request-URI or headers too large").into_response();
    }
    next.run(req).await
}

/// Salesforce caps URI + headers at 16,384 bytes: 414 for the URI, 431 for the headers.
fn oversized(req: &Request) -> Option<StatusCode> {
    const LIMIT: usize = 16_384;
    let uri = req.uri().to_string().len();
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if uri > LIMIT {
        Some(StatusCode::URI_TOO_LONG)
    } else if uri + headers > LIMIT {
        Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
    } else {
        None
    }
}

fn fault_response(f: Fault) -> Response {
    match f {
        Fault::ServiceUnavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server is temporarily unavailable. Please try again later.",
        )
        .into_response(),
        Fault::ServiceUnavailableHtml => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>Service Unavailable</title></head><body><h1>503 Service Unavailable</h1><p>Maintenance in progress.</p></body></html>",
        )
            .into_response(),
        Fault::InternalError => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-123456789)",
        )
        .into_response(),
    }
}

/// `vNN.N` with 31.0 ≤ NN.N ≤ 68.0.
pub fn valid_version(v: &str) -> bool {
    let Some(num) = v.strip_prefix('v') else {
        return false;
    };
    let Some((major, minor)) = num.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(major) && minor == "0" && major.parse::<u32>().is_ok_and(|m| (31..=68).contains(&m))
}

/// REST API layer under `/services/data/{version}/`.
pub async fn api(State(sim): State<Shared>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let after = path.strip_prefix("/services/data/").unwrap_or("");
    let (version, rest) = after.split_once('/').unwrap_or((after, ""));
    if !valid_version(version) {
        return ApiError::not_found().into_response();
    }
    let kind = classify(req.method().as_str(), rest);
    let user = {
        let mut org = sim.lock();
        let Some(user) = session_user(&mut org, req.headers()) else {
            return ApiError::invalid_session().into_response();
        };
        if org.usage.charge(kind).is_err() {
            let mut resp = ApiError::new(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            )
            .into_response();
            add_limit_header(&mut resp, org.usage.header());
            return resp;
        }
        user
    };
    req.extensions_mut().insert(Ctx {
        version: version.to_owned(),
        user,
    });
    let mut resp = next.run(req).await;
    let header = sim.lock().usage.header();
    add_limit_header(&mut resp, header);
    resp
}

fn add_limit_header(resp: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert("Sforce-Limit-Info", v);
    }
}

/// `Sforce-Auto-Assign`: absent, TRUE or a rule id run assignment; FALSE does not.
pub fn auto_assign(headers: &HeaderMap) -> bool {
    headers
        .get("Sforce-Auto-Assign")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"))
}

/// `Sforce-Duplicate-Rule-Header: allowSave=true; …`
pub fn allow_save(headers: &HeaderMap) -> bool {
    header_option(headers, "Sforce-Duplicate-Rule-Header", "allowSave")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `Sforce-Query-Options: batchSize=N` clamped to 200..=2000 (default 2000).
pub fn batch_size(headers: &HeaderMap) -> usize {
    header_option(headers, "Sforce-Query-Options", "batchSize")
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(2000, |n| n.clamp(200, 2000))
}

fn header_option(headers: &HeaderMap, name: &str, key: &str) -> Option<String> {
    let raw = headers.get(name)?.to_str().ok()?;
    raw.split([';', ','])
        .filter_map(|part| part.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().to_owned())
}

/// A request body that must be one JSON object (an sObject).
pub fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Array(_)) => Err(ApiError::json_parse(
            "Can not deserialize SObject out of START_ARRAY token",
        )),
        Ok(_) => Err(ApiError::json_parse(
            "Can not deserialize SObject out of VALUE token",
        )),
        Err(e) => Err(ApiError::json_parse(format!("Unexpected character: {e}"))),
    }
}

/// `GET /services/data/` — no session needed, not counted.
pub async fn versions(State(sim): State<Shared>) -> Response {
    sim.lock().usage.note("versions");
    let list: Vec<Value> = [(60, "Spring '24"), (61, "Summer '24"), (62, "Winter '25"), (63, "Spring '25"), (64, "Summer '25"), (65, "Winter '26"), (66, "Spring '26"), (67, "Summer '26")]
        .iter()
        .map(|(v, label)| json!({"label": label, "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    json_response(StatusCode::OK, &Value::Array(list))
}
