//! Configuration: initialization, rules per object and direction, field mappings, allocation.

use crate::admin::extract::{Body, app_id, direction, load, object, save_config};
use crate::admin::mapping_save::{issues_json, save_mapping};
use crate::{AdminError, Edge};
use app::settings::{DirectionRules, InitState};
use axum::Json;
use axum::extract::{Path, State};
use domain::ObjectSpec;
use domain::spec::FieldMapping;
use serde::Deserialize;
use serde_json::{Value as Json_, json};
use time::OffsetDateTime;

type JsonResult = Result<Json<Json_>, AdminError>;

pub(crate) async fn init_progress(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    Ok(Json(
        json!({ "init": s.init, "locked": s.locked(), "percent": init_percent(&s.init) }),
    ))
}

fn init_percent(init: &InitState) -> Option<f64> {
    match init {
        InitState::Running { done, total } if *total > 0 => {
            Some((*done as f64 * 1000.0 / *total as f64).round() / 10.0)
        }
        InitState::Running { .. } => Some(0.0),
        InitState::Done { .. } => Some(100.0),
        InitState::NotStarted | InitState::Skipped => None,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InitRequest {
    /// How far back to pull (at most three years); ignored when skipping.
    #[serde(default, with = "time::serde::rfc3339::option")]
    window_start: Option<OffsetDateTime>,
    #[serde(default)]
    skip: bool,
}

pub(crate) async fn init_start(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<InitRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let settings = load(&st, &app).await?;
    let window_start = match (req.skip, req.window_start) {
        (true, w) => w.unwrap_or_else(|| st.clock.now()),
        (false, Some(w)) => w,
        (false, None) => {
            return Err(AdminError::InvalidInput(
                "window_start is required unless skip is true".into(),
            ));
        }
    };
    let clients = st.clients(&settings).await?;
    let init = app::init::start(&st.init_deps(&clients), &app, window_start, req.skip).await?;
    if init_running(&init) {
        // On AWS this sends the first continuation; on one machine it wakes the work loop.
        st.init_runs
            .request(&app, std::time::Duration::ZERO)
            .await?;
    }
    Ok(Json(
        json!({ "init": init, "percent": init_percent(&init) }),
    ))
}

fn init_running(init: &InitState) -> bool {
    matches!(init, InitState::Running { .. })
}

pub(crate) async fn get_rules(
    State(st): State<Edge>,
    Path((app, obj, dir)): Path<(String, String, String)>,
) -> JsonResult {
    let (kind, d) = (object(&obj)?, direction(&dir)?);
    let s = load(&st, &app_id(&app)?).await?;
    let o = s
        .objects
        .get(&kind)
        .ok_or_else(|| AdminError::NotFound(format!("object {kind}")))?;
    Ok(Json(json!({
        "revision": s.revision,
        "locked": s.locked(),
        "object_enabled": o.enabled,
        "business_type": o.business_type,
        "paused": s.is_paused(kind, d),
        "rules": o.rules(d),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesRequest {
    revision: Option<u64>,
    rules: DirectionRules,
    /// 业务类型 for records created in JING (object-wide).
    #[serde(default)]
    business_type: Option<String>,
}

pub(crate) async fn put_rules(
    State(st): State<Edge>,
    Path((app, obj, dir)): Path<(String, String, String)>,
    Body(req): Body<RulesRequest>,
) -> JsonResult {
    let (kind, d) = (object(&obj)?, direction(&dir)?);
    let mut s = load(&st, &app_id(&app)?).await?;
    let spec = ObjectSpec::of(kind);
    if d == domain::Direction::JingToSf && !spec.writable_in_sf && req.rules.enabled() {
        return Err(AdminError::InvalidInput(format!(
            "{kind} never syncs from JING to Salesforce; leave this direction off"
        )));
    }
    let o = s
        .objects
        .get_mut(&kind)
        .ok_or_else(|| AdminError::NotFound(format!("object {kind}")))?;
    *o.rules_mut(d) = req.rules;
    if req.business_type.is_some() {
        o.business_type = req.business_type;
    }
    let saved = save_config(&st, s, req.revision).await?;
    Ok(Json(
        json!({ "revision": saved.revision, "rules": saved.objects[&kind].rules(d) }),
    ))
}

pub(crate) async fn get_mapping(
    State(st): State<Edge>,
    Path((app, obj)): Path<(String, String)>,
) -> JsonResult {
    let kind = object(&obj)?;
    let s = load(&st, &app_id(&app)?).await?;
    let o = s
        .objects
        .get(&kind)
        .ok_or_else(|| AdminError::NotFound(format!("object {kind}")))?;
    Ok(Json(
        json!({ "revision": s.revision, "locked": s.locked(), "mapping": o.mapping }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingRequest {
    revision: Option<u64>,
    mapping: Vec<FieldMapping>,
}

pub(crate) async fn put_mapping(
    State(st): State<Edge>,
    Path((app, obj)): Path<(String, String)>,
    Body(req): Body<MappingRequest>,
) -> JsonResult {
    let kind = object(&obj)?;
    let s = load(&st, &app_id(&app)?).await?;
    let saved = save_mapping(&st, s, kind, req.mapping, req.revision).await?;
    Ok(Json(json!({
        "revision": saved.revision,
        "mapping": saved.mapping,
        "warnings": issues_json(&saved.warnings),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllocationRequest {
    daily: u64,
    #[serde(default)]
    max_org_share_pct: Option<u8>,
    #[serde(default)]
    live_reserve_pct: Option<u8>,
}

pub(crate) async fn put_allocation(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<AllocationRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let current = load(&st, &app).await?;
    let was = current.allocation;
    let allocation = app::settings::Allocation {
        daily: req.daily,
        max_org_share_pct: req.max_org_share_pct.unwrap_or(was.max_org_share_pct),
        live_reserve_pct: req.live_reserve_pct.unwrap_or(was.live_reserve_pct),
    };
    let s = app::quota_reset::set_allocation(&st.quota_deps(), &app, allocation).await?;
    Ok(Json(
        json!({ "revision": s.revision, "allocation": s.allocation }),
    ))
}
