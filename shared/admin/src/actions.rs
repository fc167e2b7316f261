//! Actions: retry chosen failed records, the conflict ledger, resume a paused direction.

use crate::extract::{Body, Params, app_id, limit, load, object};
use crate::{AdminError, AdminState};
use app::capture::sf_record_change;
use app::ports::ListQuery;
use app::settings::AppSettings;
use axum::Json;
use axum::extract::{Path, State};
use domain::{Change, Direction, Lane, ObjectKind, ObjectSpec, SfId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

type JsonResult = Result<Json<Value>, AdminError>;

/// At most this many records per retry (one Salesforce query page per object).
pub(crate) const RETRY_MAX: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordChoice {
    object: String,
    record_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetryRequest {
    records: Vec<RecordChoice>,
}

/// Retry: re-read the chosen Salesforce records (one query per object) and queue them again;
/// their errors clear when they sync. No use case in `app` does this yet: thin function here.
/// JING records cannot be re-read by id through the port; they retry on their next change.
pub(crate) async fn retry(
    State(st): State<AdminState>,
    Path(app): Path<String>,
    Body(req): Body<RetryRequest>,
) -> JsonResult {
    let s = load(&st, &app_id(&app)?).await?;
    if req.records.is_empty() || req.records.len() > RETRY_MAX {
        return Err(AdminError::InvalidInput(format!(
            "choose 1 to {RETRY_MAX} records"
        )));
    }
    let mut by_object: BTreeMap<ObjectKind, Vec<SfId>> = BTreeMap::new();
    let (mut not_failing, mut not_retriable) = (Vec::new(), Vec::new());
    for c in &req.records {
        let kind = object(&c.object)?;
        if st.errors.get(&s.app, kind, &c.record_key).await?.is_none() {
            not_failing.push(c.record_key.clone());
            continue;
        }
        match SfId::parse_with_prefix(&c.record_key, ObjectSpec::of(kind).sf_key_prefix) {
            Ok(id) => by_object.entry(kind).or_default().push(id),
            Err(_) => not_retriable.push(c.record_key.clone()),
        }
    }
    let changes = reread(&st, &s, by_object).await?;
    if !changes.is_empty() {
        st.queue.send(&changes).await?;
    }
    tracing::info!(app_id = %s.app, requeued = changes.len(), "Failed records queued again by an admin.");
    Ok(Json(json!({
        "requeued": changes.len(),
        "not_failing": not_failing,
        "not_retriable": not_retriable,
    })))
}

async fn reread(
    st: &AdminState,
    s: &AppSettings,
    by_object: BTreeMap<ObjectKind, Vec<SfId>>,
) -> Result<Vec<Change>, AdminError> {
    let mut changes = Vec::new();
    for (kind, ids) in by_object {
        let fields: Vec<String> = s.objects.get(&kind).map_or_else(Vec::new, |o| {
            o.mapping.iter().map(|m| m.sf_field.clone()).collect()
        });
        // Ids are alphanumeric (checked by SfId), so quoting them needs no escaping.
        let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
        let clause = format!("Id IN ({})", list.join(","));
        let records = st
            .sf()?
            .page_by_id(
                ObjectSpec::of(kind).sf_object,
                &fields,
                Some(&clause),
                None,
                ids.len(),
            )
            .await?;
        changes.extend(
            records
                .iter()
                .map(|r| sf_record_change(s, kind, r, Lane::Live)),
        );
    }
    Ok(changes)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConflictParams {
    object: Option<String>,
    search: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

pub(crate) async fn conflicts(
    State(st): State<AdminState>,
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
    let page = st.ledger.conflicts(&s.app, &q).await?;
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
    State(st): State<AdminState>,
    Path(app): Path<String>,
    Body(req): Body<ResumeRequest>,
) -> JsonResult {
    let app = app_id(&app)?;
    load(&st, &app).await?;
    let kind = object(&req.object)?;
    let report = app::quota_reset::resume(&st.quota_deps(), &app, kind, req.direction).await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| AdminError::Internal(e.to_string()))?,
    ))
}
