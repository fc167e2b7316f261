//! Status (查看状态): read models for the admin and the operator.
//!
//! - [`overview`]: usage, success/failure counts per object, errors per category, parked
//!   changes, initialization, paused directions, the authorized account.
//! - [`successes`], [`failures`], [`record_errors`], [`conflicts`]: the lists and detail view.
//! - [`errors_by_root_cause`]: failing records grouped by (code, field, object) with cause and
//!   fix in Chinese and English ("12 records fail: field Industry__c not accessible").
//! - [`explain`]: a record's recent decisions (why it synced or not) and its binding.
//! - [`record_link`]: both ids and the Salesforce URL of a listed record (click-through).
//! - [`retry`]: re-queue chosen failed records after the admin fixed the cause.

mod digest_mail;
mod explain;
mod link;
mod lists;
mod redact;
mod retry;
mod root_cause;

pub use digest_mail::{DigestContent, MAX_CAUSES};
pub use explain::{Explained, explain};
pub use link::{RecordLink, record_link};
pub use lists::{FailureRow, RecordErrorDetail, conflicts, failures, record_errors, successes};
pub use redact::{escape_html, redact_contacts};
pub use retry::{FailedChanges, RetryReport, StoredChanges, retry, retry_root_cause};
pub use root_cause::{RecordSample, RootCause, errors_by_root_cause, group_root_causes};

use crate::ports::*;
use crate::quota_reset::{QuotaDeps, QuotaError, Usage, usage_today};
use crate::settings::{AppSettings, AuthorizedAccount, InitState, Pause};
use domain::{AppId, Category, Lang, ObjectKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Ports the status read models use.
#[derive(Clone, Copy)]
pub struct StatusDeps<'a> {
    pub errors: &'a dyn ErrorStore,
    pub synced: &'a dyn SyncLog,
    pub ledger: &'a dyn Ledger,
    pub bindings: &'a dyn BindingStore,
    pub quota: &'a dyn QuotaStore,
    pub parked: &'a dyn ParkedStore,
    pub settings: &'a dyn SettingsStore,
    pub cursors: &'a dyn CursorStore,
    pub queue: &'a dyn ChangeQueue,
}

impl<'a> StatusDeps<'a> {
    pub fn quota_deps(&self) -> QuotaDeps<'a> {
        QuotaDeps {
            quota: self.quota,
            parked: self.parked,
            queue: self.queue,
            settings: self.settings,
            cursors: self.cursors,
        }
    }
}

/// Why a status query failed; variants say what the caller does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// A store failed: show "temporarily unavailable" and let the admin reload.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// No such app: reload the app list.
    #[error("unknown app {0}")]
    UnknownApp(AppId),
    /// The record key is neither a Salesforce id of the object nor a JING id: fix the input.
    #[error("not a record key: {0:?}")]
    InvalidKey(String),
    /// Reading today's usage failed (see the budget error).
    #[error(transparent)]
    Quota(#[from] QuotaError),
}

async fn load(deps: &StatusDeps<'_>, app: &AppId) -> Result<AppSettings, StatusError> {
    deps.settings
        .get(app)
        .await?
        .ok_or_else(|| StatusError::UnknownApp(app.clone()))
}

/// Record counts per object (全部 / 线索 / 客户 / ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCounts {
    pub all: u64,
    pub lead: u64,
    pub account: u64,
    pub opportunity: u64,
    pub member: u64,
}

impl ObjectCounts {
    fn from_pairs(pairs: &[(ObjectKind, u64)]) -> Self {
        let mut c = Self::default();
        for &(kind, n) in pairs {
            c.all += n;
            *match kind {
                ObjectKind::Lead => &mut c.lead,
                ObjectKind::Account => &mut c.account,
                ObjectKind::Opportunity => &mut c.opportunity,
                ObjectKind::Member => &mut c.member,
            } += n;
        }
        c
    }
}

/// Failing records of one category, with its labels in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: Category,
    pub label_zh: String,
    pub label_en: String,
    pub count: u64,
}

/// The four categories of the vendor guide are always listed (a zero is information too);
/// the operational ones only when they occur.
fn category_counts(pairs: &[(Category, u64)]) -> Vec<CategoryCount> {
    const ALWAYS: [Category; 4] = [
        Category::ApiPermission,
        Category::Mapping,
        Category::Value,
        Category::Association,
    ];
    Category::ALL
        .into_iter()
        .map(|c| {
            (
                c,
                pairs.iter().find(|(k, _)| *k == c).map_or(0, |(_, n)| *n),
            )
        })
        .filter(|(c, n)| *n > 0 || ALWAYS.contains(c))
        .map(|(category, count)| CategoryCount {
            category,
            label_zh: category.label(Lang::Zh).to_owned(),
            label_en: category.label(Lang::En).to_owned(),
            count,
        })
        .collect()
}

/// The status page header of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub app: AppId,
    pub name: String,
    pub enabled: bool,
    pub usage: Usage,
    pub success_counts: ObjectCounts,
    pub failure_counts: ObjectCounts,
    pub errors_by_category: Vec<CategoryCount>,
    pub parked: u64,
    pub members_bound: u64,
    pub init: InitState,
    pub paused: Vec<Pause>,
    pub authorized: Option<AuthorizedAccount>,
}

/// Everything the status page shows at the top, from counters (no listing of records).
pub async fn overview(
    deps: &StatusDeps<'_>,
    app: &AppId,
    now: OffsetDateTime,
) -> Result<Overview, StatusError> {
    let s = load(deps, app).await?;
    let usage = usage_today(&deps.quota_deps(), &s, now).await?;
    let success = deps.synced.count_by_object(app).await?;
    let failure = deps.errors.count_by_object(app).await?;
    let categories = deps.errors.count_by_category(app).await?;
    Ok(Overview {
        app: app.clone(),
        name: s.name,
        enabled: s.enabled,
        parked: usage.parked,
        usage,
        success_counts: ObjectCounts::from_pairs(&success),
        failure_counts: ObjectCounts::from_pairs(&failure),
        errors_by_category: category_counts(&categories),
        members_bound: deps.bindings.count(app, ObjectKind::Member).await?,
        init: s.init,
        paused: s.paused,
        authorized: s.authorized,
    })
}
