//! The conflict ledger and resuming a paused direction.

use crate::admin::extract::{Body, Params, app_id, limit, load, object};
use crate::{AdminError, Edge};
use app::ports::ListQuery;
use axum::Json;
use axum::extract::{Path, State};
use domain::{Direction, Side};
use serde::Deserialize;
use serde_json::{Value, json};

type JsonResult = Result<Json<Value>, AdminError>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConflictParams {
    object: Option<String>,
    search: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

pub(crate) async fn conflicts(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<ConflictParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = ListQuery {
        search: p.search.filter(|x| !x.trim().is_empty()),
        object: p
            .object
            .as_deref()
            .filter(|o| !o.is_empty() && *o != "all")
            .map(object)
            .transpose()?,
        category: None,
        offset: p.offset.unwrap_or(0),
        limit: limit(p.limit)?,
    };
    let page = app::status::conflicts(&st.status_deps(), &s.app, &q).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for c in &page.items {
        let mut row = serde_json::to_value(c).map_err(|e| AdminError::Internal(e.to_string()))?;
        crate::admin::links::add(&st, &s, c.object, &c.record_key, &mut row).await;
        items.push(row);
    }
    Ok(Json(
        json!({ "items": items, "total": page.total, "offset": q.offset, "limit": q.limit }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettleBody {
    object: String,
    record_key: String,
    field: String,
    keep: Side,
    /// Who settles (kept with the ledger entry); "admin" when not told.
    by: Option<String>,
}

/// Keep one side's value of a conflict on both sides: the value is queued for the writer
/// and the ledger entries of the record's field are marked settled.
pub(crate) async fn settle(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(b): Body<SettleBody>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let by = b.by.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty());
    let req = app::status::SettleRequest {
        object: object(&b.object)?,
        record_key: b.record_key,
        field: b.field,
        keep: b.keep,
        by: by.unwrap_or_else(|| "admin".to_owned()),
    };
    let report = app::status::settle(&st.status_deps(), &s, &req, st.clock.now()).await?;
    st.queued.notify_one();
    Ok(Json(
        json!({ "settled": report.settled, "record": report.record, "value": report.value }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResumeRequest {
    object: String,
    direction: Direction,
}

pub(crate) async fn resume(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<ResumeRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let settings = load(&st, &app).await?;
    let kind = object(&req.object)?;
    // A fresh org reading first: the re-queued changes must not park again on an old one.
    if let Ok(clients) = st.connections.clients(&settings).await
        && let Err(e) = crate::jobs::fresh_org_usage(&st, &settings, &clients, true).await
    {
        tracing::warn!(app_id = %app, error = %e, "Could not read the org's usage before resuming.");
    }
    let report = app::quota_reset::resume(&st.quota_deps(), &app, kind, req.direction).await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| AdminError::Internal(e.to_string()))?,
    ))
}
