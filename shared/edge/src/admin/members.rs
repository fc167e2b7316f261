//! Members (成员): the user and employee lists (from the directory the last member sync stored),
//! manual bind / rebind, create as new member.

use crate::admin::extract::{Body, Params, app_id, limit, load};
use crate::{AdminError, Edge};
use app::links;
use app::members::{BindFilter, DirectoryQuery, MemberDirectory, MemberRow, MemberState};
use app::ports::Binding;
use app::settings::AppSettings;
use axum::Json;
use axum::extract::{Path, State};
use domain::{AppId, JingId, ObjectKind, SfId};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

type JsonResult = Result<Json<Value>, AdminError>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectoryParams {
    q: Option<String>,
    status: Option<BindFilter>,
    offset: Option<u64>,
    limit: Option<u64>,
}

impl DirectoryParams {
    fn query(self) -> Result<DirectoryQuery, AdminError> {
        let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(DirectoryQuery {
            q: self.q,
            status: self.status.unwrap_or_default(),
            offset: as_usize(self.offset.unwrap_or(0)),
            limit: as_usize(limit(self.limit)?),
        })
    }
}

/// The stored directory and the member bindings as they are now: no remote call.
async fn directory(
    st: &Edge,
    app: &AppId,
) -> Result<(Option<MemberDirectory>, Vec<Binding>), AdminError> {
    let directory = app::members::load_directory(st.cursors.as_ref(), app)
        .await
        .map_err(|e| AdminError::Internal(e.to_string()))?;
    let bindings = app::members::all_member_bindings(st.bindings.as_ref(), app).await?;
    Ok((directory, bindings))
}

fn taken_at(d: Option<&MemberDirectory>) -> Option<String> {
    d.and_then(|d| d.taken_at.format(&Rfc3339).ok())
}

/// The users of the last member sync with their binding state now: searched, filtered, paged,
/// each with links to both sides. Before the first sync the list is empty and `taken_at` null.
pub(crate) async fn list(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<DirectoryParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = p.query()?;
    let (d, bindings) = directory(&st, &s.app).await?;
    let page = d
        .as_ref()
        .map(|d| d.members(&bindings, &q))
        .unwrap_or_default();
    let members: Vec<Value> = page.items.iter().map(|m| member_json(&s, m)).collect();
    Ok(Json(json!({
        "members": members, "total": page.total, "offset": q.offset, "limit": q.limit,
        "taken_at": taken_at(d.as_ref()),
    })))
}

fn member_json(s: &AppSettings, m: &MemberRow) -> Value {
    let jing = match &m.state {
        MemberState::Bound { jing_id, .. } => links::jing(s, ObjectKind::Member, jing_id),
        _ => None,
    };
    let mut v = serde_json::to_value(m).unwrap_or_default();
    v["links"] = json!({ "salesforce": links::salesforce(s, "User", &m.user_id), "jing": jing });
    v
}

/// The JING employees of the last member sync (contacts masked) to bind a user to: searched,
/// filtered by whether a user holds them, paged.
pub(crate) async fn employees(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<DirectoryParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = p.query()?;
    let (d, bindings) = directory(&st, &s.app).await?;
    let page = d
        .as_ref()
        .map(|d| d.employees(&bindings, &q))
        .unwrap_or_default();
    let employees: Vec<Value> = page
        .items
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["links"] = json!({ "jing": links::jing(&s, ObjectKind::Member, &e.id) });
            v
        })
        .collect();
    Ok(Json(json!({
        "employees": employees, "total": page.total, "offset": q.offset, "limit": q.limit,
        "taken_at": taken_at(d.as_ref()),
    })))
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
    crate::jobs::members::remember_created(&st, &app, &b).await;
    Ok(Json(
        json!({ "user_id": b.sf_id, "jing_id": b.jing_id, "name": b.name }),
    ))
}
