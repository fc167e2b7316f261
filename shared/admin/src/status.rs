//! Status lists: successes, failures (with cause and fix), one record's detail, errors grouped.

use crate::extract::{Params, app_id, limit, load, object};
use crate::{AdminError, AdminState};
use app::ports::{ErrorRecord, ListQuery};
use app::settings::AppSettings;
use axum::Json;
use axum::extract::{Path, State};
use domain::{Category, ErrorCode, Lang, ObjectKind, SfId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

type JsonResult = Result<Json<Value>, AdminError>;

pub(crate) async fn overview(State(st): State<AdminState>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let o = crate::overview::overview(&st, &s).await?;
    Ok(Json(
        serde_json::to_value(o).map_err(|e| AdminError::Internal(e.to_string()))?,
    ))
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

fn list_query(p: ListParams) -> Result<ListQuery, AdminError> {
    let category = match p.category.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => Some(
            serde_json::from_value::<Category>(Value::String(raw.to_owned()))
                .map_err(|_| AdminError::InvalidInput(format!("unknown category {raw:?}")))?,
        ),
    };
    Ok(ListQuery {
        search: p
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        object: p
            .object
            .as_deref()
            .filter(|o| !o.is_empty() && *o != "all")
            .map(object)
            .transpose()?,
        category,
        offset: p.offset.unwrap_or(0),
        limit: limit(p.limit)?,
    })
}

/// A link to the record in Salesforce, when the key is a Salesforce id and the org is known.
fn sf_url(settings: &AppSettings, key: &str) -> Option<String> {
    let base = &settings.authorized.as_ref()?.instance_url;
    SfId::parse(key)
        .ok()
        .map(|id| format!("{}/{id}", base.trim_end_matches('/')))
}

pub(crate) async fn synced(
    State(st): State<AdminState>,
    Path(app): Path<String>,
    Params(p): Params<ListParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = list_query(p)?;
    let page = st.sync_log.list(&s.app, &q).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "object": r.object, "record_key": r.record_key, "name": r.name,
                "synced_at": r.synced_at.format(&time::format_description::well_known::Rfc3339).ok(),
                "url": sf_url(&s, &r.record_key),
            })
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "total": page.total, "offset": q.offset, "limit": q.limit }),
    ))
}

fn error_json(e: &domain::SyncError) -> Value {
    let cat = e.category();
    json!({
        "code": e.code, "field": e.field, "object": e.object,
        "category": cat, "category_zh": cat.label(Lang::Zh), "category_en": cat.label(Lang::En),
        "cause_zh": e.cause(Lang::Zh), "cause_en": e.cause(Lang::En),
        "fix_zh": e.fix(Lang::Zh), "fix_en": e.fix(Lang::En),
    })
}

fn failure_json(s: &AppSettings, r: &ErrorRecord) -> Value {
    let rfc = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    };
    json!({
        "object": r.object, "record_key": r.record_key, "name": r.name, "count": r.count,
        "first_seen": rfc(r.first_seen), "last_seen": rfc(r.last_seen),
        "error": error_json(&r.error), "url": sf_url(s, &r.record_key),
    })
}

pub(crate) async fn failures(
    State(st): State<AdminState>,
    Path(app): Path<String>,
    Params(p): Params<ListParams>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let q = list_query(p)?;
    let page = st.errors.list(&s.app, &q).await?;
    let items: Vec<Value> = page.items.iter().map(|r| failure_json(&s, r)).collect();
    Ok(Json(
        json!({ "items": items, "total": page.total, "offset": q.offset, "limit": q.limit }),
    ))
}

pub(crate) async fn failure_detail(
    State(st): State<AdminState>,
    Path((app, obj, record)): Path<(String, String, String)>,
) -> JsonResult {
    let kind = object(&obj)?;
    let s = load(&st, &app_id(&app)?).await?;
    let r = st
        .errors
        .get(&s.app, kind, &record)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no failure of {kind} {record}")))?;
    let journal = st.ledger.journal_for(&s.app, kind, &record).await?;
    let mut out = failure_json(&s, &r);
    out["journal"] =
        serde_json::to_value(journal).map_err(|e| AdminError::Internal(e.to_string()))?;
    Ok(Json(out))
}

/// How many failing records `grouped` reads at most (a page of 500 at a time).
const GROUP_SCAN_MAX: u64 = 20_000;
const GROUP_PAGE: u64 = 500;
const SAMPLES: usize = 5;

#[derive(Default)]
struct Group {
    count: u64,
    error: Option<domain::SyncError>,
    samples: Vec<Value>,
}

/// Errors grouped by category (counts) and by root cause: the same code on the same object
/// and field is one cause with one fix, however many records it hit.
pub(crate) async fn grouped(State(st): State<AdminState>, Path(app): Path<String>) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    let mut groups: BTreeMap<(ErrorCode, Option<String>, ObjectKind), Group> = BTreeMap::new();
    let mut offset = 0;
    let total = loop {
        let q = ListQuery {
            offset,
            limit: GROUP_PAGE,
            ..ListQuery::default()
        };
        let page = st.errors.list(&s.app, &q).await?;
        for r in &page.items {
            let g = groups
                .entry((r.error.code, r.error.field.clone(), r.object))
                .or_default();
            g.count += 1;
            g.error.get_or_insert_with(|| r.error.clone());
            if g.samples.len() < SAMPLES {
                g.samples
                    .push(json!({ "record_key": r.record_key, "name": r.name }));
            }
        }
        offset += page.items.len() as u64;
        if page.items.is_empty() || offset >= page.total || offset >= GROUP_SCAN_MAX {
            break page.total;
        }
    };
    let mut causes: Vec<(u64, Value)> = groups
        .into_iter()
        .filter_map(|((_, _, kind), g)| {
            let e = g.error?;
            let mut v = error_json(&e);
            v["object_kind"] = json!(kind);
            v["count"] = json!(g.count);
            v["samples"] = Value::Array(g.samples);
            Some((g.count, v))
        })
        .collect();
    causes.sort_by_key(|c| std::cmp::Reverse(c.0));
    let by_category = crate::overview::categories_json(st.errors.count_by_category(&s.app).await?);
    Ok(Json(json!({
        "by_category": by_category,
        "by_cause": causes.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "total": total,
        "scanned": offset,
    })))
}
