//! Status lists over `app::status`: successes, failures, one record's detail (cause and fix),
//! errors grouped by category and root cause.

use crate::admin::extract::{Params, app_id, limit, load, object};
use crate::{AdminError, Edge};
use app::ports::ListQuery;
use app::settings::AppSettings;
use app::status::FailureRow;
use axum::Json;
use axum::extract::{Path, State};
use domain::{Category, Lang, ObjectKind, ObjectSpec, SfId, SyncError};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

type JsonResult = Result<Json<Value>, AdminError>;

fn to_json(v: impl serde::Serialize) -> JsonResult {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| AdminError::Internal(e.to_string()))
}

pub(crate) async fn overview(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    to_json(crate::admin::overview::overview(&st, &app_id(&app)?).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    object: Option<String>,
    search: Option<String>,
    category: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

pub(crate) fn list_query(p: ListParams) -> Result<ListQuery, AdminError> {
    let category = match p.category.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => Some(
            serde_json::from_value::<Category>(Value::String(raw.to_owned()))
                .map_err(|_| AdminError::InvalidInput(format!("unknown category {raw:?}")))?,
        ),
    };
    let obj = p.object.as_deref().filter(|o| !o.is_empty() && *o != "all");
    Ok(ListQuery {
        search: p
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        object: obj.map(object).transpose()?,
        category,
        offset: p.offset.unwrap_or(0),
        limit: limit(p.limit)?,
    })
}

/// Click-through to the record in Salesforce, when the key is a Salesforce id of the object
/// and the org is known (the same URL as `app::status::record_link`, without its lookups).
pub(crate) fn sf_url(settings: &AppSettings, kind: ObjectKind, key: &str) -> Option<String> {
    let base = settings
        .authorized
        .as_ref()?
        .instance_url
        .trim_end_matches('/');
    let spec = ObjectSpec::of(kind);
    let id = SfId::parse_with_prefix(key, spec.sf_key_prefix).ok()?;
    Some(format!("{base}/lightning/r/{}/{id}/view", spec.sf_object))
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&Rfc3339).ok()
}

pub(crate) async fn synced(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<ListParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = list_query(p)?;
    let page = app::status::successes(&st.status_deps(), &s.app, &q).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "object": r.object, "record_key": r.record_key, "name": r.name,
                "synced_at": rfc3339(r.synced_at), "url": sf_url(&s, r.object, &r.record_key),
            })
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "total": page.total, "offset": q.offset, "limit": q.limit }),
    ))
}

fn failure_row_json(s: &AppSettings, r: &FailureRow) -> Value {
    json!({
        "object": r.object, "record_key": r.record_key, "name": r.name, "count": r.error_count,
        "last_seen": rfc3339(r.last_seen), "url": sf_url(s, r.object, &r.record_key),
        "error": { "code": r.code, "category": r.category, "category_zh": r.label_zh, "category_en": r.label_en },
    })
}

pub(crate) async fn failures(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Params(p): Params<ListParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = list_query(p)?;
    let page = app::status::failures(&st.status_deps(), &s.app, &q).await?;
    let items: Vec<Value> = page.items.iter().map(|r| failure_row_json(&s, r)).collect();
    Ok(Json(
        json!({ "items": items, "total": page.total, "offset": q.offset, "limit": q.limit }),
    ))
}

fn error_json(e: &SyncError) -> Value {
    let cat = e.category();
    json!({
        "code": e.code, "field": e.field, "object": e.object,
        "category": cat, "category_zh": cat.label(Lang::Zh), "category_en": cat.label(Lang::En),
        "cause_zh": e.cause(Lang::Zh), "cause_en": e.cause(Lang::En),
        "fix_zh": e.fix(Lang::Zh), "fix_en": e.fix(Lang::En),
    })
}

pub(crate) async fn failure_detail(
    State(st): State<Edge>,
    Path((app, obj, record)): Path<(String, String, String)>,
) -> JsonResult {
    let kind = object(&obj)?;
    let s = load(&st, &app_id(&app)?).await?;
    let d = app::status::record_errors(&st.status_deps(), &s.app, kind, &record)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no failure of {kind} {record}")))?;
    let r = &d.error;
    Ok(Json(json!({
        "object": r.object, "record_key": r.record_key, "name": r.name, "count": r.count,
        "first_seen": rfc3339(r.first_seen), "last_seen": rfc3339(r.last_seen),
        "url": sf_url(&s, r.object, &r.record_key),
        "error": error_json(&r.error),
        "journal": d.journal,
    })))
}

/// Errors grouped by category (counts with labels) and by root cause (code, field, object),
/// each cause with its fix and sample records.
pub(crate) async fn grouped(State(st): State<Edge>, Path(app): Path<String>) -> JsonResult {
    let app = app_id(&app)?;
    let deps = st.status_deps();
    let overview = app::status::overview(&deps, &app, st.clock.now()).await?;
    let causes = app::status::errors_by_root_cause(&deps, &app).await?;
    let by_cause: Vec<Value> = causes
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["category_zh"] = json!(c.category.label(Lang::Zh));
            v["category_en"] = json!(c.category.label(Lang::En));
            v
        })
        .collect();
    Ok(Json(json!({
        "by_category": overview.errors_by_category,
        "by_cause": by_cause,
        "total": overview.failure_counts.all,
    })))
}
