//! getUpdated / getDeleted (§7): minute granularity, `latestDateCovered`, windows of 30 / 15 days.

use crate::errors::{ApiError, ApiResult, json_response};
use crate::records::object_from_url;
use crate::state::Shared;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::datetime::floor_minute;
use domain::datetime::{format_sf, parse_sf};
use serde_json::json;
use std::collections::HashMap;
use std::ops::Bound;
use time::{Duration, OffsetDateTime};

fn replication_error(message: &str) -> ApiError {
    ApiError::bad_request("INVALID_REPLICATION_DATE", message)
}

/// Parsed `start`/`end`, floored to minutes, with the covered end capped at now.
fn window(
    q: &HashMap<String, String>,
    now: OffsetDateTime,
    max_days: i64,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let parse = |name: &str| {
        let raw = q.get(name).ok_or_else(|| {
            ApiError::bad_request("MISSING_ARGUMENT", format!("{name} was not specified"))
        })?;
        parse_sf(raw)
            .map(floor_minute)
            .map_err(|_| replication_error(&format!("{name} is not a valid dateTime: {raw}")))
    };
    let (start, end) = (parse("start")?, parse("end")?);
    if start >= end {
        return Err(replication_error(
            "startDate must chronologically precede endDate by more than one minute",
        ));
    }
    if start < floor_minute(now) - Duration::days(max_days) {
        return Err(replication_error(&format!(
            "startDate cannot be more than {max_days} days ago"
        )));
    }
    Ok((start, end.min(floor_minute(now))))
}

/// `GET /sobjects/{Type}/updated/?start=&end=` — ids whose SystemModstamp falls in [start, covered).
pub async fn updated(
    State(sim): State<Shared>,
    Path((_v, ty)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let org = sim.lock();
    let (start, covered) = window(&q, org.clock.now(), 30)?;
    let (from, to) = (format_sf(start), format_sf(covered));
    let mut ids: Vec<&str> = org
        .store
        .indexed(obj.name)
        .into_iter()
        .flat_map(|t| t.rows_by_modstamp(Bound::Included(from.as_str())))
        .take_while(|r| r.text("SystemModstamp").is_some_and(|m| m < to.as_str()))
        .filter(|r| !r.is_deleted())
        .filter_map(|r| r.text("Id"))
        .collect();
    ids.sort_unstable(); // id order, as a scan of the table gives it
    Ok(json_response(
        StatusCode::OK,
        &json!({"ids": ids, "latestDateCovered": to}),
    ))
}

/// `GET /sobjects/{Type}/deleted/?start=&end=`
pub async fn deleted(
    State(sim): State<Shared>,
    Path((_v, ty)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let org = sim.lock();
    let now = org.clock.now();
    let (start, covered) = window(&q, now, 15)?;
    let mut rows: Vec<_> = org
        .store
        .indexed(obj.name)
        .into_iter()
        .flat_map(|t| t.deleted_between(start, covered))
        .filter_map(|r| r.deleted_at.map(|d| (r.text("Id").unwrap_or_default(), d)))
        .collect();
    rows.sort_unstable_by_key(|(id, _)| *id); // id order, as a scan of the table gives it
    let records: Vec<_> = rows
        .into_iter()
        .map(|(id, d)| json!({"id": id, "deletedDate": format_sf(d)}))
        .collect();
    let window_start = floor_minute(now) - Duration::days(15);
    let earliest = org
        .store
        .purged_until
        .map_or(window_start, |p| floor_minute(p).max(window_start));
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "deletedRecords": records,
            "earliestDateAvailable": format_sf(earliest),
            "latestDateCovered": format_sf(covered),
        }),
    ))
}
