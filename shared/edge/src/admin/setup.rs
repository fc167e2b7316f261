//! The setup section: what to register in Salesforce and JING, the checklist, rotating the push
//! endpoints' credentials, and re-running the permission check or member matching on demand.

use crate::admin::extract::{Body, app_id, load};
use crate::setup::credentials::{Endpoint, rotate};
use crate::{AdminError, Edge};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

type JsonResult = Result<Json<Value>, AdminError>;

fn to_json(v: impl serde::Serialize) -> JsonResult {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| AdminError::Internal(e.to_string()))
}

pub(crate) async fn get(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    to_json(crate::setup::setup(&st, &s).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateRequest {
    endpoint: Endpoint,
}

/// New credentials for one endpoint; the answer is the setup section with the new values.
pub(crate) async fn rotate_credentials(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<RotateRequest>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    rotate(&st, &s.app, req.endpoint).await?;
    to_json(crate::setup::setup(&st, &s).await?)
}

/// Run the permission pre-check now (describes are cached: at most one call per object).
pub(crate) async fn check_permissions(
    State(st): State<Edge>,
    Path(app): Path<String>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let clients = st.clients(&s).await?;
    let check = app::connect::run_permission_check(
        clients.sf.as_ref(),
        st.cursors.as_ref(),
        &s,
        st.clock.now(),
    )
    .await?;
    to_json(check)
}

/// Match members now (one user listing, one employee listing).
pub(crate) async fn sync_members(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let clients = st.clients(&s).await?;
    to_json(crate::jobs::members::sync(&st, &s, &clients).await?)
}
