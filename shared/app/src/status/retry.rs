//! Retry after fix (重试): re-queue the change a failing record last failed with.
//!
//! Design: the writer is the only place that decides what to write, and it needs a `Change`
//! with the record's values; a record key alone ("resync X") gives it nothing to write. The
//! failing change is the right thing to replay — after the admin grants a permission, restores
//! a mapped field or adds a picklist value, the same change now succeeds, and the writer's
//! rules (conflicts by source time, echo suppression, budget) apply to it as to any change.
//! The error record is not touched: it clears itself when the record syncs, and stays (with a
//! higher count) if the fix did not work.
//!
//! Where the change comes from is the [`FailedChanges`] capability. Today's `ErrorRecord` does
//! not keep it; the port change this needs is `ErrorRecord::change: Option<Change>` (serde
//! default), set by the writer's `failure_outcome` and replaced on every failure — then the
//! `ErrorStore` serves [`FailedChanges`] itself.

use super::{StatusDeps, StatusError};
use crate::ports::{ErrorRecord, ListQuery, StoreResult};
use crate::quota_reset::REQUEUE_CHUNK;
use async_trait::async_trait;
use domain::{AppId, Change, ErrorCode, ObjectKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where `retry` finds the change a failing record last failed with.
#[async_trait]
pub trait FailedChanges: Send + Sync {
    async fn failed_change(&self, err: &ErrorRecord) -> StoreResult<Option<Change>>;
}

/// The change each error record keeps (set by the writer on every failure).
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredChanges;

#[async_trait]
impl FailedChanges for StoredChanges {
    async fn failed_change(&self, err: &ErrorRecord) -> StoreResult<Option<Change>> {
        Ok(err.change.clone())
    }
}

/// What a retry did, per requested key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryReport {
    /// Re-queued for the writer.
    pub requeued: Vec<String>,
    /// Not failing (synced meanwhile, or never failed): nothing to do.
    pub not_failing: Vec<String>,
    /// Failing, but the failed change is not available: edit the record at its source (any
    /// new change syncs it again).
    pub no_change: Vec<String>,
}

/// Re-queue the failed changes of the chosen records of one object.
pub async fn retry(
    deps: &StatusDeps<'_>,
    failed: &dyn FailedChanges,
    app: &AppId,
    object: ObjectKind,
    keys: &[String],
) -> Result<RetryReport, StatusError> {
    let mut report = RetryReport::default();
    let mut changes = Vec::new();
    let mut unique: Vec<&String> = keys.iter().collect();
    unique.sort();
    unique.dedup();
    for key in unique {
        let Some(err) = deps.errors.get(app, object, key).await? else {
            report.not_failing.push(key.clone());
            continue;
        };
        match failed.failed_change(&err).await? {
            Some(c) if belongs(&c, app, object, key) => {
                changes.push(c);
                report.requeued.push(key.clone());
            }
            _ => report.no_change.push(key.clone()),
        }
    }
    for chunk in changes.chunks(REQUEUE_CHUNK) {
        deps.queue.send(chunk).await?;
    }
    tracing::info!(app_id = %app, object = %object, requeued = report.requeued.len(), "Retry requested by an admin.");
    Ok(report)
}

/// A change must be about the record it is replayed for (a stale or foreign one is refused).
fn belongs(c: &Change, app: &AppId, object: ObjectKind, key: &str) -> bool {
    &c.app == app && c.object == object && c.record.as_str() == key
}

/// Retry every record failing with one root cause (code, field, object) — the "retry these 12"
/// button next to a fixed cause.
pub async fn retry_root_cause(
    deps: &StatusDeps<'_>,
    failed: &dyn FailedChanges,
    app: &AppId,
    code: ErrorCode,
    field: Option<&str>,
    object: &str,
) -> Result<RetryReport, StatusError> {
    let wanted = (code, field.map(str::to_owned), object.to_owned());
    let all = deps.errors.list(app, &ListQuery::default()).await?;
    let mut keys: BTreeMap<ObjectKind, Vec<String>> = BTreeMap::new();
    for r in all
        .items
        .iter()
        .filter(|r| super::root_cause::key_of(r) == wanted)
    {
        keys.entry(r.object).or_default().push(r.record_key.clone());
    }
    let mut total = RetryReport::default();
    for (kind, keys) in keys {
        let r = retry(deps, failed, app, kind, &keys).await?;
        total.requeued.extend(r.requeued);
        total.not_failing.extend(r.not_failing);
        total.no_change.extend(r.no_change);
    }
    Ok(total)
}
