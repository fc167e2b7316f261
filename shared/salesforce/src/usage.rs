//! API usage: the `Sforce-Limit-Info` header seen on every response, this client's own call
//! count, and the caller's budget hook consulted before each call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::error::SfError;
use domain::quota::OrgUsage;

/// What we know about API consumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApiUsage {
    /// Org-wide calls in the rolling 24 h, from the last `Sforce-Limit-Info` seen.
    pub used: Option<u64>,
    /// The org's 24-h allocation, from the same header.
    pub max: Option<u64>,
    /// HTTP requests this client attempted against the REST/Bulk API (a collection call is one;
    /// each retry and each replay after a token refresh is one more, even when the connection
    /// failed — the budget hook reserved them too). Token-endpoint calls are not included.
    pub calls_made_by_this_client: u64,
    /// Token-endpoint refreshes this client performed.
    pub token_refreshes: u64,
}

/// Parse `api-usage=used/max` out of a `Sforce-Limit-Info` value. Lenient: other parts
/// (`per-app-api-usage=…`, `api-bursts=…`) are ignored and `used > max` is kept as is.
pub fn parse_limit_info(header: &str) -> Option<(u64, u64)> {
    header.split([';', ',']).map(str::trim).find_map(|part| {
        let (used, max) = part.strip_prefix("api-usage=")?.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

/// Lock-free counters shared by clones of a client.
#[derive(Debug, Default)]
pub(crate) struct UsageTracker {
    calls: AtomicU64,
    refreshes: AtomicU64,
    last_limit: Mutex<Option<(u64, u64)>>,
}

impl UsageTracker {
    pub(crate) fn count_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_refresh(&self) {
        self.refreshes.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn observe_header(&self, value: Option<&str>) {
        if let Some(pair) = value.and_then(parse_limit_info) {
            *self.last_limit.lock().unwrap_or_else(|p| p.into_inner()) = Some(pair);
        }
    }
    pub(crate) fn snapshot(&self) -> ApiUsage {
        let limit = *self.last_limit.lock().unwrap_or_else(|p| p.into_inner());
        ApiUsage {
            used: limit.map(|l| l.0),
            max: limit.map(|l| l.1),
            calls_made_by_this_client: self.calls.load(Ordering::Relaxed),
            token_refreshes: self.refreshes.load(Ordering::Relaxed),
        }
    }
}

/// The caller's quota gate. `reserve` is awaited before every HTTP request and must reserve
/// atomically (e.g. a conditional counter update); when it refuses, the request is not sent and
/// the error (typically [`SfError::BudgetRefused`]) is returned to the caller as is.
#[async_trait]
pub trait CallBudget: Send + Sync {
    async fn reserve(&self, calls: u32) -> Result<(), SfError>;
    /// The org's usage from a response's `Sforce-Limit-Info` (awaited before the response is
    /// handed back, so the next `reserve` already knows it). Budgets capped by what the org has
    /// left learn it here; a fixed allowance has nothing to learn.
    async fn observe(&self, _org: OrgUsage) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_variants() {
        assert_eq!(parse_limit_info("api-usage=18/5000"), Some((18, 5000)));
        assert_eq!(
            parse_limit_info(
                "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)"
            ),
            Some((25, 5000))
        );
        assert_eq!(
            parse_limit_info("api-usage=110018/100000; api-bursts=1/750"),
            Some((110_018, 100_000))
        );
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250(appName=x)"),
            None
        );
        assert_eq!(parse_limit_info("api-usage=abc/5000"), None);
        assert_eq!(parse_limit_info(""), None);
    }

    #[test]
    fn tracker_keeps_the_last_header_and_counts() {
        let t = UsageTracker::default();
        t.observe_header(Some("api-usage=1/10"));
        t.observe_header(None);
        t.observe_header(Some("garbage"));
        t.count_call();
        t.count_call();
        t.count_refresh();
        let u = t.snapshot();
        assert_eq!(
            (
                u.used,
                u.max,
                u.calls_made_by_this_client,
                u.token_refreshes
            ),
            (Some(1), Some(10), 2, 1)
        );
    }
}
