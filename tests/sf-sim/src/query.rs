//! `query`, `queryAll` and `queryMore` (§6.1): results are snapshotted into a cursor and served
//! in pages of `batchSize` with `nextRecordsUrl` `/services/data/vXX.X/query/<locator>-<offset>`.

use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::{Ctx, batch_size};
use crate::soql::{self, Select, eval};
use crate::state::{Org, Shared};
use axum::Extension;
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;

const MAX_SOQL_CHARS: usize = 100_000;

/// A query's snapshotted result rows awaiting `queryMore`.
#[derive(Debug, Clone)]
pub struct Cursor {
    rows: Vec<Value>,
    page: usize,
    /// Locators die after 15 minutes without use (`INVALID_QUERY_LOCATOR`).
    touched: OffsetDateTime,
}

const LOCATOR_IDLE_LIMIT: time::Duration = time::Duration::minutes(15);

pub async fn query(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<HashMap<String, String>>,
) -> ApiResult {
    run(&sim, &ctx, &headers, &q, false)
}

pub async fn query_all(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<HashMap<String, String>>,
) -> ApiResult {
    run(&sim, &ctx, &headers, &q, true)
}

fn run(
    sim: &Shared,
    ctx: &Ctx,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    all_rows: bool,
) -> ApiResult {
    let src = q
        .get("q")
        .ok_or_else(|| ApiError::malformed_query("A query string has to be specified"))?;
    if src.chars().count() > MAX_SOQL_CHARS {
        return Err(ApiError::malformed_query(format!(
            "SOQL statements cannot be longer than {MAX_SOQL_CHARS} characters"
        )));
    }
    let parsed = soql::parse(src)?;
    let mut org = sim.lock();
    let rows = eval::select_rows(&parsed, &org.store, all_rows);
    if matches!(parsed.select, Select::Count) {
        return Ok(json_response(
            StatusCode::OK,
            &json!({"totalSize": rows.len(), "done": true, "records": []}),
        ));
    }
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| eval::project(&parsed, r, &org.store, &ctx.version))
        .collect();
    let cursor = Cursor {
        rows,
        page: page_size(&parsed, batch_size(headers)),
        touched: org.clock.now(),
    };
    Ok(page(&mut org, &ctx.version, cursor, 0, None))
}

/// The requested batch size is not a promise: two or more long text areas cap pages at 200.
fn page_size(q: &soql::Query, requested: usize) -> usize {
    let Select::Fields(fields) = &q.select else {
        return requested;
    };
    let long_text = fields
        .iter()
        .filter(|f| matches!(f, soql::FieldRef::Direct(d) if d.kind == crate::schema::Kind::TextArea && d.length > 255))
        .count();
    if long_text >= 2 {
        requested.min(200)
    } else {
        requested
    }
}

/// One page; stores the cursor under a locator when more remain. Rendered straight from the
/// cursor's rows (no copy), keys in Salesforce's order.
fn page(
    org: &mut Org,
    version: &str,
    mut cursor: Cursor,
    offset: usize,
    locator: Option<String>,
) -> Response {
    cursor.touched = org.clock.now();
    let total = cursor.rows.len();
    let end = (offset + cursor.page).min(total);
    let records =
        serde_json::to_string(&cursor.rows[offset.min(total)..end]).unwrap_or_else(|_| "[]".into());
    let mut next = String::new();
    if end < total {
        let locator = locator.unwrap_or_else(|| org.ids.next("01g").to_string());
        next = format!(r#""nextRecordsUrl":"/services/data/{version}/query/{locator}-{end}","#);
        org.cursors.insert(locator, cursor);
    }
    let body = format!(
        r#"{{"totalSize":{total},"done":{},{next}"records":{records}}}"#,
        end >= total
    );
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// `GET /query/{locator}-{offset}`
pub async fn query_more(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, raw)): Path<(String, String)>,
) -> ApiResult {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (locator, offset) = raw.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let mut org = sim.lock();
    // Taken out (not cloned) and put back by `page` while more rows remain.
    let cursor = org.cursors.remove(locator).ok_or_else(invalid)?;
    let now = org.clock.now();
    if now - cursor.touched > LOCATOR_IDLE_LIMIT {
        return Err(invalid());
    }
    if offset == 0 || offset >= cursor.rows.len() {
        org.cursors.insert(locator.to_owned(), cursor);
        return Err(invalid());
    }
    Ok(page(
        &mut org,
        &ctx.version,
        cursor,
        offset,
        Some(locator.to_owned()),
    ))
}
