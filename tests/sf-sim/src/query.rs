//! `query`, `queryAll` and `queryMore` (§6.1): the matching ids are kept in a cursor and served
//! in pages of `batchSize` with `nextRecordsUrl` `/services/data/vXX.X/query/<locator>-<offset>`;
//! a page renders only its own rows, so each page costs the same however large the result.

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

/// A query's result awaiting `queryMore`.
#[derive(Debug, Clone)]
pub struct Cursor {
    query: soql::Query,
    /// The matching rows' ids in result order, taken when the query ran.
    ids: Vec<String>,
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
    if matches!(parsed.select, Select::Count) {
        let total = eval::count_rows(&parsed, &org.store, all_rows);
        return Ok(json_response(
            StatusCode::OK,
            &json!({"totalSize": total, "done": true, "records": []}),
        ));
    }
    let ids: Vec<String> = eval::select_rows(&parsed, &org.store, all_rows)
        .iter()
        .map(|r| r.text("Id").unwrap_or_default().to_owned())
        .collect();
    let cursor = Cursor {
        page: page_size(&parsed, batch_size(headers)),
        query: parsed,
        ids,
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

/// One page; stores the cursor under a locator when more remain. Only the page's rows are
/// rendered, keys in Salesforce's order.
fn page(
    org: &mut Org,
    version: &str,
    mut cursor: Cursor,
    offset: usize,
    locator: Option<String>,
) -> Response {
    cursor.touched = org.clock.now();
    let total = cursor.ids.len();
    let end = (offset + cursor.page).min(total);
    let records: Vec<Value> = org
        .store
        .indexed(cursor.query.object.name)
        .into_iter()
        .flat_map(|table| {
            cursor.ids[offset.min(total)..end]
                .iter()
                .filter_map(|id| table.get(id))
        })
        .map(|row| eval::project(&cursor.query, row, &org.store, version))
        .collect();
    let records = serde_json::to_string(&records).unwrap_or_else(|_| "[]".into());
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
    if offset == 0 || offset >= cursor.ids.len() {
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
