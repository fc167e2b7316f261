//! The quota-reserving budget: every Salesforce call is reserved in the app's daily counter
//! (atomic in every store) before it is made, against the allocation in force — the app's daily
//! setting (re-read from the settings store, so an admin's change applies without a restart),
//! capped at the app's share of what the org has left (`Sforce-Limit-Info` on each response).
//! The org figures are saved for the status page, throttled by [`worth_saving`].

use crate::error::SfError;
use crate::usage::CallBudget;
use app::ports::{Clock, CursorStore, QuotaStore, Reservation, SettingsStore};
use app::quota_reset::{SavedOrgUsage, load_org_usage, save_org_usage};
use app::settings::{Allocation, AppSettings};
use async_trait::async_trait;
use domain::AppId;
use domain::datetime::JING_OFFSET;
use domain::quota::{OrgUsage, effective_allocation, quota_day};
use std::sync::{Arc, Mutex, MutexGuard};
use time::{Date, Duration, OffsetDateTime};

/// How long the allocation read from the settings store is trusted (one store read a minute at
/// most, whatever the call rate).
pub const SETTINGS_FRESH_FOR: Duration = Duration::seconds(60);
/// How long an org reading caps reservations. Once the org share is spent no call is made, so
/// no new header arrives: after this, one call goes out against the daily setting alone, and
/// its header tells whether the org has calls again (the org's window is a rolling 24 h).
pub const ORG_READING_FRESH_FOR: Duration = Duration::minutes(10);
/// A changed org figure is saved at least this often even when it moved by less than 1 %.
pub const SAVE_AT_LEAST_EVERY: Duration = Duration::minutes(5);

/// Whether an org reading is worth a store write: the first one; a changed `max`; `used` moved
/// by at least 1 % of `max` (150 calls on a 15,000 org — the status page stays within 1 %,
/// at most ~100 writes per day per worker); or any change after [`SAVE_AT_LEAST_EVERY`] (a
/// trickle of calls still shows within minutes). Never one write per call.
pub fn worth_saving(
    last: Option<(OrgUsage, OffsetDateTime)>,
    now_usage: OrgUsage,
    now: OffsetDateTime,
) -> bool {
    let Some((saved, at)) = last else {
        return true;
    };
    if saved == now_usage {
        return false;
    }
    saved.max != now_usage.max
        || saved.used.abs_diff(now_usage.used) * 100 >= now_usage.max.max(1)
        || now - at >= SAVE_AT_LEAST_EVERY
}

/// The stores the budget works with.
#[derive(Clone)]
pub struct BudgetStores {
    pub quota: Arc<dyn QuotaStore>,
    pub cursors: Arc<dyn CursorStore>,
    pub settings: Arc<dyn SettingsStore>,
    pub clock: Arc<dyn Clock>,
}

/// What one response said about the org, and where the app's counter stood then.
#[derive(Debug, Clone, Copy)]
struct OrgReading {
    usage: OrgUsage,
    app_used: u64,
    day: Date,
    at: OffsetDateTime,
}

#[derive(Debug)]
struct State {
    allocation: Allocation,
    allocation_read_at: OffsetDateTime,
    /// The app's counter after its last granted reservation, and that quota day.
    app_used: (Date, u64),
    org: Option<OrgReading>,
    saved: Option<(OrgUsage, OffsetDateTime)>,
    /// Whether the saved reading was consulted (once per budget, at its first reservation).
    seeded: bool,
}

impl State {
    /// The allocation in force, and the org reading that capped it (if one did).
    fn cap(&self, day: Date, now: OffsetDateTime) -> (u64, Option<OrgUsage>) {
        let a = self.allocation;
        match self.org {
            Some(r) if now - r.at < ORG_READING_FRESH_FOR => {
                // Today's counter restarted at midnight: yesterday's figure would inflate the cap.
                let used = if r.day == day { r.app_used } else { 0 };
                let cap = effective_allocation(a.daily, a.max_org_share_pct, used, Some(r.usage));
                (cap, (cap < a.daily).then_some(r.usage))
            }
            _ => (a.daily, None),
        }
    }
}

/// Reserves every Salesforce call in the app's quota counter, so concurrent workers never
/// overspend the allocation in force.
pub struct QuotaBudget {
    stores: BudgetStores,
    app: AppId,
    state: Mutex<State>,
}

impl QuotaBudget {
    /// `settings` is the app's configuration as the caller loaded it (no store read needed
    /// until [`SETTINGS_FRESH_FOR`] has passed).
    pub fn new(stores: BudgetStores, settings: &AppSettings) -> Self {
        let now = stores.clock.now();
        let state = State {
            allocation: settings.allocation,
            allocation_read_at: now,
            app_used: (quota_day(now, JING_OFFSET), 0),
            org: None,
            saved: None,
            seeded: false,
        };
        Self {
            stores,
            app: settings.app.clone(),
            state: Mutex::new(state),
        }
    }

    /// The allocation reservations are checked against now.
    pub fn allocation_in_force(&self) -> u64 {
        let now = self.stores.clock.now();
        self.state().cap(quota_day(now, JING_OFFSET), now).0
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start from the org reading another worker saved, when it is fresh: a client built per
    /// batch (Lambda) would otherwise spend its first call learning that the org share is gone.
    async fn seed_org_reading(&self) {
        if std::mem::replace(&mut self.state().seeded, true) {
            return;
        }
        let saved = match load_org_usage(self.stores.cursors.as_ref(), &self.app).await {
            Ok(saved) => saved,
            Err(e) => {
                tracing::warn!(app_id = %self.app, error = %e, "Could not read the saved org usage.");
                None
            }
        };
        // A reading without a time (saved by hand) cannot be judged fresh: not used.
        let Some((saved, at)) = saved.and_then(|v| Some((v, v.at?))) else {
            return;
        };
        let mut s = self.state();
        if s.org.is_none() {
            // Older than ORG_READING_FRESH_FOR, `cap` ignores it like any stale reading.
            s.org = Some(OrgReading {
                usage: saved.usage(),
                app_used: saved.app_used,
                day: quota_day(at, JING_OFFSET),
                at,
            });
        }
    }

    /// Take the saved org reading when it is newer than ours.
    async fn adopt_newer_saved_reading(&self) {
        let Ok(Some(saved)) = load_org_usage(self.stores.cursors.as_ref(), &self.app).await else {
            return;
        };
        let Some(at) = saved.at else { return };
        let mut s = self.state();
        if s.org.is_some_and(|r| r.at < at) {
            s.org = Some(OrgReading {
                usage: saved.usage(),
                app_used: saved.app_used,
                day: quota_day(at, JING_OFFSET),
                at,
            });
        }
    }

    /// Re-read the allocation when the cached one is older than [`SETTINGS_FRESH_FOR`].
    async fn refresh_allocation(&self, now: OffsetDateTime) {
        if now - self.state().allocation_read_at < SETTINGS_FRESH_FOR {
            return;
        }
        let read = self.stores.settings.get(&self.app).await;
        let mut s = self.state();
        // Whatever happens, wait a while before the next read (a failing store is not hammered).
        s.allocation_read_at = now;
        match read {
            Ok(Some(settings)) => s.allocation = settings.allocation,
            Ok(None) => {
                tracing::warn!(app_id = %self.app, "The app's settings are gone; keeping the last allocation.");
            }
            Err(e) => {
                tracing::warn!(app_id = %self.app, error = %e, "Could not re-read the allocation; keeping the last one.");
            }
        }
    }
}

fn refusal(
    used: u64,
    cap: u64,
    org: Option<OrgUsage>,
    a: Allocation,
    for_initialization: bool,
) -> String {
    if for_initialization {
        return format!(
            "{used}/{cap} calls used today: the initialization's share is spent ({}% of the \
             allocation is kept for live changes); it continues after the daily reset",
            a.live_reserve_pct
        );
    }
    match org {
        Some(org) => format!(
            "{used}/{cap} calls used today: the org has {} of {} daily API requests left and \
             this app may take {}% of them (daily setting {})",
            org.remaining(),
            org.max,
            a.max_org_share_pct,
            a.daily
        ),
        None => format!("{used}/{cap} calls used today"),
    }
}

#[async_trait]
impl CallBudget for QuotaBudget {
    async fn reserve(&self, calls: u32) -> Result<(), SfError> {
        let now = self.stores.clock.now();
        self.seed_org_reading().await;
        self.refresh_allocation(now).await;
        let day = quota_day(now, JING_OFFSET);
        let (mut cap, mut org) = self.state().cap(day, now);
        if org.is_some() && self.state().app_used.1 + u64::from(calls) > cap {
            // Capped by the org: another worker may have read the org again since (the org's
            // 24 hours roll on, or the scheduled run probed `/limits`): one store read.
            self.adopt_newer_saved_reading().await;
            (cap, org) = self.state().cap(day, now);
        }
        let for_initialization = app::spending::initialization_is_spending();
        if for_initialization {
            // The live reserve is not the initialization's to spend.
            cap = self.state().allocation.initialization_cap(cap);
        }
        let reserved = self
            .stores
            .quota
            .reserve(&self.app, day, u64::from(calls), cap)
            .await;
        match reserved {
            Ok(Reservation::Granted { used }) => {
                self.state().app_used = (day, used);
                Ok(())
            }
            Ok(Reservation::Refused { used }) => Err(SfError::BudgetRefused {
                detail: refusal(used, cap, org, self.state().allocation, for_initialization),
            }),
            // Without a counter we cannot promise to stay inside the budget: refuse.
            Err(e) => Err(SfError::BudgetRefused {
                detail: format!("quota store: {e}"),
            }),
        }
    }

    async fn observe(&self, org: OrgUsage) {
        let now = self.stores.clock.now();
        let (save, app_used) = {
            let mut s = self.state();
            let day = quota_day(now, JING_OFFSET);
            let app_used = if s.app_used.0 == day { s.app_used.1 } else { 0 };
            s.org = Some(OrgReading {
                usage: org,
                app_used,
                day,
                at: now,
            });
            (worth_saving(s.saved, org, now), app_used)
        };
        if !save {
            return;
        }
        let saved = SavedOrgUsage {
            used: org.used,
            max: org.max,
            app_used,
            at: Some(now),
        };
        match save_org_usage(self.stores.cursors.as_ref(), &self.app, &saved).await {
            Ok(()) => self.state().saved = Some((org, now)),
            // Only the status page's figure is late; the cap already uses the reading.
            Err(e) => {
                tracing::warn!(app_id = %self.app, error = %e, "Could not save the org's API usage.");
            }
        }
    }
}

#[cfg(test)]
#[path = "port_budget_tests.rs"]
mod tests;
