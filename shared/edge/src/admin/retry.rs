//! Retry after fix (重试): chosen records, or every record of one root cause, over
//! `app::status::retry`. The failed change is not stored yet (see `app::status::retry`), so
//! [`Reread`] rebuilds it from Salesforce: an object's chosen records are read in one query
//! per 200, then replayed. JING records cannot be read by id through the port; they come back
//! as `no_change` (they sync again on their next change).

use crate::admin::extract::{Body, app_id, load, object};
use crate::{AdminError, Edge};
use app::capture::sf_record_change;
use app::ports::{ErrorRecord, ListQuery, StoreResult};
use app::settings::AppSettings;
use app::status::{FailedChanges, RetryReport};
use axum::Json;
use axum::extract::{Path, State};
use domain::{Change, ErrorCode, Lane, ObjectKind, ObjectSpec, SfId};
use serde::Deserialize;
use std::collections::BTreeMap;

/// At most this many chosen records per request, and Salesforce ids per query.
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

pub(crate) async fn retry(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<RetryRequest>,
) -> Result<Json<RetryReport>, AdminError> {
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
    Ok(Json(retry_keys(&st, &s, by_object).await?))
}

/// One root cause, as `errors/grouped` lists it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RootCauseRequest {
    code: ErrorCode,
    #[serde(default)]
    field: Option<String>,
    /// The object as the root cause names it (e.g. `Lead`).
    object: String,
}

/// "Retry these N": every record failing with one root cause (code, field, object).
pub(crate) async fn retry_root_cause(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<RootCauseRequest>,
) -> Result<Json<RetryReport>, AdminError> {
    let s = load(&st, &app_id(&app)?).await?;
    let causes = app::status::errors_by_root_cause(&st.status_deps(), &s.app).await?;
    let cause = causes
        .iter()
        .find(|c| c.code == req.code && c.field == req.field && c.object == req.object)
        .ok_or_else(|| AdminError::NotFound("no record fails with this cause any more".into()))?;
    // The samples are capped; the keys come from the full list, grouped the same way.
    let all = st.errors.list(&s.app, &ListQuery::default()).await?;
    let mut by_object: BTreeMap<ObjectKind, Vec<String>> = BTreeMap::new();
    for r in all.items.iter().filter(|r| same_cause(r, cause)) {
        by_object
            .entry(r.object)
            .or_default()
            .push(r.record_key.clone());
    }
    Ok(Json(retry_keys(&st, &s, by_object).await?))
}

fn same_cause(r: &ErrorRecord, c: &app::status::RootCause) -> bool {
    let object = r.error.object.as_deref().unwrap_or(r.object.as_str());
    r.error.code == c.code && r.error.field == c.field && object == c.object
}

async fn retry_keys(
    st: &Edge,
    s: &AppSettings,
    by_object: BTreeMap<ObjectKind, Vec<String>>,
) -> Result<RetryReport, AdminError> {
    let mut report = RetryReport::default();
    for (kind, keys) in by_object {
        let failed = Reread::fetch(st, s, kind, &keys).await?;
        let r = app::status::retry(&st.status_deps(), &failed, &s.app, kind, &keys).await?;
        report.requeued.extend(r.requeued);
        report.not_failing.extend(r.not_failing);
        report.no_change.extend(r.no_change);
    }
    Ok(report)
}

/// The current Salesforce values of the chosen records, as the changes to replay.
struct Reread(BTreeMap<String, Change>);

impl Reread {
    async fn fetch(
        st: &Edge,
        s: &AppSettings,
        kind: ObjectKind,
        keys: &[String],
    ) -> Result<Self, AdminError> {
        let spec = ObjectSpec::of(kind);
        let ids: Vec<SfId> = keys
            .iter()
            .filter_map(|k| SfId::parse_with_prefix(k, spec.sf_key_prefix).ok())
            .collect();
        let fields: Vec<String> = s.objects.get(&kind).map_or_else(Vec::new, |o| {
            o.mapping.iter().map(|m| m.sf_field.clone()).collect()
        });
        let mut by_key = BTreeMap::new();
        if ids.is_empty() {
            return Ok(Self(by_key));
        }
        let clients = st.clients(s).await?;
        for chunk in ids.chunks(RETRY_MAX) {
            // Ids are alphanumeric (checked by SfId), so quoting them needs no escaping.
            let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
            let clause = format!("Id IN ({})", list.join(","));
            let records = clients
                .sf
                .page_by_id(spec.sf_object, &fields, Some(&clause), None, chunk.len())
                .await?;
            for r in &records {
                let change = sf_record_change(s, kind, r, Lane::Live);
                // Replay under the key the error names (15 or 18 characters): `retry` checks it.
                for k in keys
                    .iter()
                    .filter(|k| SfId::parse(k).is_ok_and(|id| id == r.id))
                {
                    by_key.insert(k.clone(), change.clone());
                }
            }
        }
        Ok(Self(by_key))
    }
}

#[async_trait::async_trait]
impl FailedChanges for Reread {
    async fn failed_change(&self, err: &ErrorRecord) -> StoreResult<Option<Change>> {
        // A fresh read wins (it carries today's values); else the change it failed with.
        Ok(self
            .0
            .get(&err.record_key)
            .cloned()
            .or_else(|| err.change.clone()))
    }
}
