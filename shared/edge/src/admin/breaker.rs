//! The circuit breaker's thresholds per app, and what it holds: list, discard (resume is
//! `actions::resume`).

use crate::admin::extract::{Body, Params, app_id, load, object};
use crate::{AdminError, Edge};
use app::held::{self, HeldDeps};
use app::settings::CircuitBreaker;
use axum::Json;
use axum::extract::{Path, State};
use domain::Direction;
use serde::Deserialize;
use serde_json::{Value, json};

type JsonResult = Result<Json<Value>, AdminError>;

fn held_deps(st: &Edge) -> HeldDeps<'_> {
    HeldDeps {
        parked: st.parked.as_ref(),
        errors: st.errors.as_ref(),
        settings: st.settings.as_ref(),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> JsonResult {
    Ok(Json(
        serde_json::to_value(v).map_err(|e| AdminError::Internal(e.to_string()))?,
    ))
}

pub(crate) async fn get_breaker(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    Ok(Json(
        json!({ "breaker": s.circuit_breaker, "paused": s.paused }),
    ))
}

pub(crate) async fn put_breaker(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<CircuitBreaker>,
) -> JsonResult {
    let app = app_id(&app)?;
    let s = held::set_breaker(st.settings.as_ref(), &app, req).await?;
    Ok(Json(
        json!({ "revision": s.revision, "breaker": s.circuit_breaker }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeldParams {
    object: String,
    direction: Direction,
    limit: Option<usize>,
}

pub(crate) async fn list_held(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<HeldParams>,
) -> JsonResult {
    let app = app_id(&app)?;
    let key = (object(&p.object)?, p.direction);
    let limit = p.limit.unwrap_or(100).min(1000);
    to_json(&held::list(&held_deps(&st), &app, key, limit).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscardRequest {
    object: String,
    direction: Direction,
}

pub(crate) async fn discard(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<DiscardRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let key = (object(&req.object)?, req.direction);
    to_json(&held::discard(&held_deps(&st), &app, key).await?)
}
