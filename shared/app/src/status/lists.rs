//! The success list, the failure list with its detail view, and the conflict ledger.

use super::{StatusDeps, StatusError};
use crate::ports::{ConflictEntry, ErrorRecord, JournalEntry, ListQuery, Page, SyncedRecord};
use domain::{AppId, Category, ErrorCode, Lang, ObjectKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Records that synced (成功列表): name, object, last sync time; search and paging.
pub async fn successes(
    deps: &StatusDeps<'_>,
    app: &AppId,
    q: &ListQuery,
) -> Result<Page<SyncedRecord>, StatusError> {
    Ok(deps.synced.list(app, q).await?)
}

/// One row of the failure list (失败列表).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRow {
    pub name: String,
    pub object: ObjectKind,
    /// Key for the detail view and for retry.
    pub record_key: String,
    /// Failures since the record last synced.
    pub error_count: u32,
    pub category: Category,
    pub label_zh: String,
    pub label_en: String,
    pub code: ErrorCode,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

impl From<&ErrorRecord> for FailureRow {
    fn from(r: &ErrorRecord) -> Self {
        let category = r.error.category();
        Self {
            name: r.name.clone(),
            object: r.object,
            record_key: r.record_key.clone(),
            error_count: r.count,
            category,
            label_zh: category.label(Lang::Zh).to_owned(),
            label_en: category.label(Lang::En).to_owned(),
            code: r.error.code,
            last_seen: r.last_seen,
        }
    }
}

/// Failing records, newest first; filter by object, category and search (name or id).
pub async fn failures(
    deps: &StatusDeps<'_>,
    app: &AppId,
    q: &ListQuery,
) -> Result<Page<FailureRow>, StatusError> {
    let page = deps.errors.list(app, q).await?;
    Ok(Page {
        items: page.items.iter().map(FailureRow::from).collect(),
        total: page.total,
    })
}

/// The detail view of one failing record: its error with cause and fix in both languages,
/// and the journal of what we wrote for it before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordErrorDetail {
    pub error: ErrorRecord,
    pub category: Category,
    pub label_zh: String,
    pub label_en: String,
    pub cause_zh: String,
    pub cause_en: String,
    pub fix_zh: String,
    pub fix_en: String,
    pub journal: Vec<JournalEntry>,
}

/// `None` when the record is not failing (never failed, or synced since).
pub async fn record_errors(
    deps: &StatusDeps<'_>,
    app: &AppId,
    object: ObjectKind,
    key: &str,
) -> Result<Option<RecordErrorDetail>, StatusError> {
    let Some(error) = deps.errors.get(app, object, key).await? else {
        return Ok(None);
    };
    let journal = deps.ledger.journal_for(app, object, key).await?;
    let e = &error.error;
    let category = e.category();
    Ok(Some(RecordErrorDetail {
        category,
        label_zh: category.label(Lang::Zh).to_owned(),
        label_en: category.label(Lang::En).to_owned(),
        cause_zh: e.cause(Lang::Zh),
        cause_en: e.cause(Lang::En),
        fix_zh: e.fix(Lang::Zh),
        fix_en: e.fix(Lang::En),
        error,
        journal,
    }))
}

/// Concurrent two-way edits (冲突记录): both values and who won, newest first.
pub async fn conflicts(
    deps: &StatusDeps<'_>,
    app: &AppId,
    q: &ListQuery,
) -> Result<Page<ConflictEntry>, StatusError> {
    Ok(deps.ledger.conflicts(app, q).await?)
}
