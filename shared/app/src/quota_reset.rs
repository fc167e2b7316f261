//! The daily API budget (API 额度): today's usage and forecast, the allocation setting, the
//! daily reset that re-queues parked changes, and resuming a paused direction.
//!
//! When the allocation is spent the writer parks changes ([`ParkedStore`], coalesced per
//! record). At the reset they go back to the changes queue in priority order — deletes and
//! creates, then updates, then backfill — so nothing is lost and nothing is written twice.

use crate::ports::{ChangeQueue, CursorStore, ParkedStore, QuotaStore, SettingsStore, StoreError};
use crate::settings::{Allocation, AppSettings};
use domain::datetime::JING_OFFSET;
use domain::quota::{OrgUsage, effective_allocation, forecast_exhaustion, next_reset, quota_day};
use domain::{AppId, Direction, ObjectKind};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Parked changes moved to the queue per step: a bounded batch keeps memory flat and, should
/// the queue fail, limits what has to be parked back.
pub const REQUEUE_CHUNK: usize = 100;

/// CursorStore key of the org's last known `Sforce-Limit-Info` usage (JSON [`OrgUsage`]),
/// written by [`record_org_usage`] after Salesforce calls; caps the effective allocation.
pub const ORG_USAGE_KEY: &str = "sf_org_usage";

/// Ports of the budget use cases.
#[derive(Clone, Copy)]
pub struct QuotaDeps<'a> {
    pub quota: &'a dyn QuotaStore,
    pub parked: &'a dyn ParkedStore,
    pub queue: &'a dyn ChangeQueue,
    pub settings: &'a dyn SettingsStore,
    pub cursors: &'a dyn CursorStore,
}

/// Why a budget operation failed; variants say what the caller does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// A store failed (`Conflict`: another admin saved the settings first — reload, redo).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// No such app: reload the app list.
    #[error("unknown app {0}")]
    UnknownApp(AppId),
    /// The requested allocation is not usable: correct the input.
    #[error("invalid allocation: {0}")]
    InvalidAllocation(&'static str),
    /// A circuit breaker threshold is not usable: correct the input.
    #[error("invalid circuit breaker setting: {0}")]
    InvalidBreaker(&'static str),
    /// The queue refused a chunk; it is still parked (nothing lost). Run the reset again.
    #[error("re-queued {requeued} changes, then the queue failed: {source}")]
    RequeueFailed { requeued: u64, source: StoreError },
}

/// Today's API usage of one app (查看状态 → API 用量).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// The quota day (midnight to midnight, China time).
    pub day: Date,
    pub used: u64,
    /// The allocation in force: the daily setting, capped by the org's remaining share.
    pub allocated: u64,
    /// `used / allocated` in percent, one decimal.
    pub pct: f64,
    /// When today's allocation runs out at today's rate; `None` when it lasts the day.
    #[serde(with = "time::serde::rfc3339::option")]
    pub forecast_exhaustion: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub next_reset: OffsetDateTime,
    /// Changes waiting for the reset (or for a paused direction to resume).
    pub parked: u64,
    /// The org's last known usage, when a Salesforce call reported it.
    pub org: Option<OrgUsage>,
    /// The lanes: what an initialization may spend of `allocated`, and what stays for live
    /// changes.
    #[serde(default)]
    pub lanes: Lanes,
}

/// The allocation split between the two lanes (`Allocation::live_reserve_pct`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lanes {
    /// Calls kept for live changes: an initialization stops before them.
    pub live_reserve: u64,
    pub live_reserve_pct: u8,
    /// Calls an initialization may spend today (the counter counts both lanes).
    pub initialization_allowance: u64,
    /// When the initialization's allowance runs out at today's rate; `None` when it lasts.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub initialization_exhaustion: Option<OffsetDateTime>,
}

impl Lanes {
    fn of(allocation: &Allocation, allocated: u64, used: u64, now: OffsetDateTime) -> Self {
        let initialization_allowance = allocation.initialization_cap(allocated);
        Self {
            live_reserve: allocated - initialization_allowance,
            live_reserve_pct: allocation.live_reserve_pct,
            initialization_allowance,
            initialization_exhaustion: forecast_exhaustion(
                used,
                initialization_allowance,
                now,
                JING_OFFSET,
            ),
        }
    }
}

/// Today's usage, allocation, percentage and exhaustion forecast.
pub async fn usage_today(
    deps: &QuotaDeps<'_>,
    settings: &AppSettings,
    now: OffsetDateTime,
) -> Result<Usage, QuotaError> {
    let app = &settings.app;
    let day = quota_day(now, JING_OFFSET);
    let used = deps.quota.used(app, day).await?;
    let org = org_usage(deps, app).await?;
    let a = settings.allocation;
    let allocated = effective_allocation(a.daily, a.max_org_share_pct, used, org);
    Ok(Usage {
        day,
        used,
        allocated,
        pct: percent(used, allocated),
        forecast_exhaustion: forecast_exhaustion(used, allocated, now, JING_OFFSET),
        next_reset: next_reset(now, JING_OFFSET),
        parked: deps.parked.count(app).await?,
        org,
        lanes: Lanes::of(&a, allocated, used, now),
    })
}

fn percent(used: u64, allocated: u64) -> f64 {
    if allocated == 0 {
        return if used == 0 { 0.0 } else { 100.0 };
    }
    (used as f64 * 1000.0 / allocated as f64).round() / 10.0
}

async fn org_usage(deps: &QuotaDeps<'_>, app: &AppId) -> Result<Option<OrgUsage>, QuotaError> {
    let Some(raw) = deps.cursors.get(app, ORG_USAGE_KEY).await? else {
        return Ok(None);
    };
    match serde_json::from_str(&raw) {
        Ok(org) => Ok(Some(org)),
        // A garbled hint must not take the status page down: fall back to the daily setting.
        Err(_) => {
            tracing::warn!(app_id = %app, "Ignoring an unreadable org usage record.");
            Ok(None)
        }
    }
}

/// Remember the org usage a Salesforce response reported (`Sforce-Limit-Info`).
pub async fn record_org_usage(
    deps: &QuotaDeps<'_>,
    app: &AppId,
    org: OrgUsage,
) -> Result<(), QuotaError> {
    let saved = SavedOrgUsage {
        used: org.used,
        max: org.max,
        app_used: 0,
        at: None,
    };
    save_org_usage(deps.cursors, app, &saved).await
}

/// The org usage as stored under [`ORG_USAGE_KEY`]: `used`/`max` (what the status page reads
/// as an [`OrgUsage`]) plus where the app's counter stood and when, so a freshly built client's
/// budget starts capped instead of spending a call to learn the org's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOrgUsage {
    pub used: u64,
    pub max: u64,
    #[serde(default)]
    pub app_used: u64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

impl SavedOrgUsage {
    pub fn usage(&self) -> OrgUsage {
        OrgUsage {
            used: self.used,
            max: self.max,
        }
    }
}

/// Store the org usage with only the store it writes (the Salesforce client's budget hook has
/// no queue or parked store at hand).
pub async fn save_org_usage(
    cursors: &dyn CursorStore,
    app: &AppId,
    saved: &SavedOrgUsage,
) -> Result<(), QuotaError> {
    let json = serde_json::to_string(saved).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    cursors.put(app, ORG_USAGE_KEY, &json).await?;
    Ok(())
}

/// The stored org usage; `None` when absent or unreadable (a garbled hint is not an error).
pub async fn load_org_usage(
    cursors: &dyn CursorStore,
    app: &AppId,
) -> Result<Option<SavedOrgUsage>, QuotaError> {
    let raw = cursors.get(app, ORG_USAGE_KEY).await?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
}

/// Set the daily allocation, the org share cap and the live reserve, revision-checked.
pub async fn set_allocation(
    deps: &QuotaDeps<'_>,
    app: &AppId,
    allocation: Allocation,
) -> Result<AppSettings, QuotaError> {
    if allocation.daily == 0 {
        return Err(QuotaError::InvalidAllocation(
            "the daily allocation must be at least 1 call",
        ));
    }
    if allocation.max_org_share_pct == 0 || allocation.max_org_share_pct > 100 {
        return Err(QuotaError::InvalidAllocation(
            "the org share must be 1-100 percent",
        ));
    }
    if allocation.live_reserve_pct > 90 {
        // An initialization that may spend nothing would never finish.
        return Err(QuotaError::InvalidAllocation(
            "the live reserve must be 0-90 percent",
        ));
    }
    let mut s = load(deps, app).await?;
    s.allocation = allocation;
    s.revision += 1;
    deps.settings.put(&s).await?;
    Ok(s)
}

/// Remove the pause of `object` in `direction` (revision-checked); the settings as saved, and
/// whether there was one.
pub async fn unpause(
    settings: &dyn SettingsStore,
    app: &AppId,
    object: ObjectKind,
    direction: Direction,
) -> Result<(AppSettings, bool), QuotaError> {
    let mut s = settings
        .get(app)
        .await?
        .ok_or_else(|| QuotaError::UnknownApp(app.clone()))?;
    let was_paused = s.is_paused(object, direction);
    if was_paused {
        s.paused
            .retain(|p| !(p.object == object && p.direction == direction));
        s.revision += 1;
        settings.put(&s).await?;
    }
    Ok((s, was_paused))
}

async fn load(deps: &QuotaDeps<'_>, app: &AppId) -> Result<AppSettings, QuotaError> {
    deps.settings
        .get(app)
        .await?
        .ok_or_else(|| QuotaError::UnknownApp(app.clone()))
}

/// What a reset (or resume) moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetReport {
    pub requeued: u64,
    /// Queue sends made.
    pub chunks: u64,
    /// Still parked afterwards (parked by the writer while the reset ran, or the app is off).
    pub still_parked: u64,
    /// The app is switched off: its changes stay parked until it is switched on (the writer
    /// would skip them, and they would be lost).
    pub app_off: bool,
}

/// The daily reset: move the app's parked changes back to the queue, highest priority first.
/// (Counters need no reset: they are kept per quota day.)
pub async fn reset(
    deps: &QuotaDeps<'_>,
    settings: &AppSettings,
) -> Result<ResetReport, QuotaError> {
    if !settings.enabled {
        return Ok(ResetReport {
            still_parked: deps.parked.count(&settings.app).await?,
            app_off: true,
            ..ResetReport::default()
        });
    }
    let report = requeue_parked(deps, &settings.app).await?;
    tracing::info!(app_id = %settings.app, requeued = report.requeued, "Re-queued parked changes at the daily reset.");
    Ok(report)
}

/// The scheduled reset of every app (the `quota-reset` function); one app's failure does not
/// stop the others.
pub async fn reset_all(
    deps: &QuotaDeps<'_>,
) -> Result<Vec<(AppId, Result<ResetReport, QuotaError>)>, QuotaError> {
    let mut out = Vec::new();
    for settings in deps.settings.list().await? {
        let result = reset(deps, &settings).await;
        if let Err(e) = &result {
            tracing::warn!(app_id = %settings.app, error = %e, "Daily reset incomplete; the rest stays parked.");
        }
        out.push((settings.app, result));
    }
    Ok(out)
}

/// Send parked changes to the queue in priority order, chunk by chunk: each chunk is read,
/// sent, and only then removed from the parked store, so a failure or a crash in between loses
/// nothing (a chunk sent but not yet removed is sent again next time: the writer recognises what
/// it already applied). Bounded by what was parked at the start, so a writer that parks again
/// meanwhile cannot make this loop forever.
async fn requeue_parked(deps: &QuotaDeps<'_>, app: &AppId) -> Result<ResetReport, QuotaError> {
    let mut left = deps.parked.count(app).await?;
    let mut report = ResetReport::default();
    while left > 0 {
        let max = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(REQUEUE_CHUNK);
        let chunk = deps.parked.peek(app, max).await?;
        if chunk.is_empty() {
            break;
        }
        let changes: Vec<domain::Change> = chunk.iter().map(|e| e.change.clone()).collect();
        if let Err(source) = deps.queue.send(&changes).await {
            return Err(QuotaError::RequeueFailed {
                requeued: report.requeued,
                source,
            });
        }
        // A change re-parked meanwhile stays (its newer version goes with the next reset).
        deps.parked.remove(app, &chunk).await?;
        report.requeued += chunk.len() as u64;
        report.chunks += 1;
        left = left.saturating_sub(chunk.len() as u64);
    }
    report.still_parked = deps.parked.count(app).await?;
    Ok(report)
}

/// What resuming did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeReport {
    /// Whether the direction was paused (resuming an open direction changes nothing).
    pub was_paused: bool,
    pub requeue: ResetReport,
}

/// Resume a paused direction (circuit breaker, org check): remove the pause from the settings
/// (revision-checked), then re-queue the app's parked changes.
pub async fn resume(
    deps: &QuotaDeps<'_>,
    app: &AppId,
    object: ObjectKind,
    direction: Direction,
) -> Result<ResumeReport, QuotaError> {
    let (s, was_paused) = unpause(deps.settings, app, object, direction).await?;
    if was_paused {
        tracing::info!(app_id = %app, object = %object, ?direction, "Direction resumed by an admin.");
    }
    let requeue = reset(deps, &s).await?;
    Ok(ResumeReport {
        was_paused,
        requeue,
    })
}
