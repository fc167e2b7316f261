//! The conflict ledger and resuming a paused direction.

use crate::admin::extract::{Body, Params, app_id, limit, load, object};
use crate::{AdminError, Edge};
use app::ports::ListQuery;
use axum::Json;
use axum::extract::{Path, State};
use domain::Direction;
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
    Ok(Json(
        json!({ "items": page.items, "total": page.total, "offset": q.offset, "limit": q.limit }),
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
