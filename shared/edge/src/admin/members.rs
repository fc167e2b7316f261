//! Members (成员): the user list with binding state, manual bind / rebind, create as new member.

use crate::admin::extract::{Body, app_id, load};
use crate::{AdminError, Edge};
use app::members::{mask_email, mask_mobile};
use axum::Json;
use axum::extract::{Path, State};
use domain::{JingId, SfId};
use serde::Deserialize;
use serde_json::{Value, json};

type JsonResult = Result<Json<Value>, AdminError>;

/// Every user with its state, plus the JING employees (contacts masked) to pick from.
pub(crate) async fn list(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let clients = st.clients(&s).await?;
    let deps = st.member_deps(&clients);
    let members = app::members::list_members(&deps, &s).await?;
    let employees: Vec<Value> = deps
        .jing
        .employees()
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "name": e.name,
                "mobile": e.mobile.as_deref().map(mask_mobile),
                "email": e.email.as_deref().map(mask_email),
            })
        })
        .collect();
    Ok(Json(json!({ "members": members, "employees": employees })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BindRequest {
    employee: String,
}

fn ids(user: &str, employee: Option<&str>) -> Result<(SfId, Option<JingId>), AdminError> {
    let user = SfId::parse(user)
        .map_err(|e| AdminError::InvalidInput(format!("user id {user:?}: {e}")))?;
    let employee = employee
        .map(|raw| {
            JingId::parse(raw)
                .map_err(|e| AdminError::InvalidInput(format!("employee id {raw:?}: {e}")))
        })
        .transpose()?;
    Ok((user, employee))
}

pub(crate) async fn bind(
    State(st): State<Edge>,
    Path((app, user)): Path<(String, String)>,
    Body(req): Body<BindRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let s = load(&st, &app).await?;
    let (user, employee) = ids(&user, Some(&req.employee))?;
    let employee =
        employee.ok_or_else(|| AdminError::InvalidInput("employee is required".into()))?;
    let clients = st.clients(&s).await?;
    let b = app::members::bind(&st.member_deps(&clients), &app, &user, &employee).await?;
    tracing::info!(app_id = %app, "Member bound manually.");
    Ok(Json(
        json!({ "user_id": b.sf_id, "jing_id": b.jing_id, "name": b.name }),
    ))
}

pub(crate) async fn rebind(
    State(st): State<Edge>,
    Path((app, user)): Path<(String, String)>,
    Body(req): Body<BindRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    let s = load(&st, &app).await?;
    let (user, employee) = ids(&user, Some(&req.employee))?;
    let employee =
        employee.ok_or_else(|| AdminError::InvalidInput("employee is required".into()))?;
    let clients = st.clients(&s).await?;
    let r = app::members::rebind(&st.member_deps(&clients), &app, &user, &employee).await?;
    Ok(Json(json!({
        "user_id": r.binding.sf_id,
        "jing_id": r.binding.jing_id,
        "released_employee": r.released_employee,
        "released_user": r.released_user,
    })))
}

pub(crate) async fn create(
    State(st): State<Edge>,
    Path((app, user)): Path<(String, String)>,
) -> JsonResult {
    let app = app_id(&app)?;
    let s = load(&st, &app).await?;
    let (user, _) = ids(&user, None)?;
    let clients = st.clients(&s).await?;
    let b = app::members::create_as_new_member(&st.member_deps(&clients), &app, &user).await?;
    Ok(Json(
        json!({ "user_id": b.sf_id, "jing_id": b.jing_id, "name": b.name }),
    ))
}
