//! Actions: retry chosen failed records, the conflict ledger, resume a paused direction.

use crate::extract::{Body, Params, app_id, limit, load, object};
use crate::overview::status_deps;
use crate::{AdminError, AdminState};
use app::capture::sf_record_change;
use app::ports::{ErrorRecord, ListQuery, StoreResult};
use app::settings::AppSettings;
use app::status::{FailedChanges, RetryReport};
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

/// Retry (`app::status::retry`), one object at a time. The failed change is not stored yet
/// (see `app::status::retry`), so [`Reread`] rebuilds it from Salesforce: the chosen records
/// of an object are read in one query, then replayed. JING records cannot be read by id
/// through the port; they come back as `no_change` (they sync again on their next change).
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
    let mut by_object: BTreeMap<ObjectKind, Vec<String>> = BTreeMap::new();
    for c in req.records {
        by_object
            .entry(object(&c.object)?)
            .or_default()
            .push(c.record_key);
    }
    let mut report = RetryReport::default();
    for (kind, keys) in by_object {
        let failed = Reread::fetch(&st, &s, kind, &keys).await?;
        let r = app::status::retry(&status_deps(&st), &failed, &s.app, kind, &keys).await?;
        report.requeued.extend(r.requeued);
        report.not_failing.extend(r.not_failing);
        report.no_change.extend(r.no_change);
    }
    Ok(Json(
        serde_json::to_value(report).map_err(|e| AdminError::Internal(e.to_string()))?,
    ))
}

/// The current Salesforce values of the chosen records, as the changes to replay.
struct Reread(BTreeMap<String, Change>);

impl Reread {
    async fn fetch(
        st: &AdminState,
        s: &AppSettings,
        kind: ObjectKind,
        keys: &[String],
    ) -> Result<Self, AdminError> {
        let spec = ObjectSpec::of(kind);
        let ids: Vec<SfId> = keys
            .iter()
            .filter_map(|k| SfId::parse_with_prefix(k, spec.sf_key_prefix).ok())
            .collect();
        if ids.is_empty() {
            return Ok(Self(BTreeMap::new()));
        }
        let fields: Vec<String> = s.objects.get(&kind).map_or_else(Vec::new, |o| {
            o.mapping.iter().map(|m| m.sf_field.clone()).collect()
        });
        // Ids are alphanumeric (checked by SfId), so quoting them needs no escaping.
        let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
        let clause = format!("Id IN ({})", list.join(","));
        let records = st
            .sf()?
            .page_by_id(spec.sf_object, &fields, Some(&clause), None, ids.len())
            .await?;
        let mut by_key = BTreeMap::new();
        for r in &records {
            let change = sf_record_change(s, kind, r, Lane::Live);
            // The error names the record as the writer saw it (15 or 18 characters): replay
            // the change under that exact key, which `retry` checks.
            for k in keys
                .iter()
                .filter(|k| SfId::parse(k).is_ok_and(|id| id == r.id))
            {
                by_key.insert(k.clone(), change.clone());
            }
        }
        Ok(Self(by_key))
    }
}

#[async_trait::async_trait]
impl FailedChanges for Reread {
    async fn failed_change(&self, err: &ErrorRecord) -> StoreResult<Option<Change>> {
        Ok(self.0.get(&err.record_key).cloned())
    }
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
    let page = app::status::conflicts(&status_deps(&st), &s.app, &q).await?;
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
