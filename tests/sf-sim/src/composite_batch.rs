//! Composite Batch (`POST /composite/batch`, §5.4): ≤ 25 independent subrequests, committed one
//! by one, no rollback — and unlike Composite, **each subrequest counts** as an API call.

use crate::composite::{Sub, run_sub};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::Ctx;
use crate::state::Shared;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const MAX_SUBREQUESTS: usize = 25;

fn parse(body: &Bytes) -> Result<(bool, Vec<Sub>), ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::json_parse(format!("Unexpected character: {e}")))?;
    let halt = v
        .get("haltOnError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let list = v
        .get("batchRequests")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parse("batchRequests is required"))?;
    if list.is_empty() || list.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_SIZE",
            format!("A batch must contain between 1 and {MAX_SUBREQUESTS} requests"),
        ));
    }
    let subs = list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let text = |k: &str| {
                s.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::json_parse(format!("Received invalid input: {k} is required"))
                    })
            };
            let url = text("url")?;
            Ok(Sub {
                method: text("method")?,
                url: format!("/services/data/{}", url.trim_start_matches('/')),
                reference: format!("batch{i}"),
                body: s.get("richInput").cloned(),
                headers: Map::new(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok((halt, subs))
}

pub async fn batch(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (halt, subs) = parse(&body)?;
    charge_extra(&sim, subs.len() - 1)?;
    let inner = crate::server::api_routes().with_state(sim.clone());
    let no_refs = HashMap::new();
    let mut results = vec![];
    let mut failed = false;
    for sub in &subs {
        if failed && halt {
            results.push(json!({"statusCode": 412, "result": [{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}]}));
            continue;
        }
        let (status, result, _) = run_sub(&inner, &ctx, &headers, sub, &no_refs)
            .await
            .unwrap_or((StatusCode::BAD_REQUEST, Value::Null, None));
        failed |= status.as_u16() >= 400;
        results.push(json!({"statusCode": status.as_u16(), "result": result}));
    }
    let has_errors = results
        .iter()
        .any(|r| r["statusCode"].as_u64().is_some_and(|s| s >= 400));
    Ok(json_response(
        StatusCode::OK,
        &json!({"hasErrors": has_errors, "results": results}),
    ))
}

/// The gate charged one call; the other subrequests are charged here, all or nothing.
fn charge_extra(sim: &Shared, n: usize) -> Result<(), ApiError> {
    let mut org = sim.lock();
    if org.usage.used + n as u64 > org.usage.max {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ));
    }
    for _ in 0..n {
        let _ = org.usage.charge("composite_batch_subrequest");
    }
    Ok(())
}
