//! Which lane is spending Salesforce calls right now: an initialization's work (its reads, its
//! backfill writes, its ingest jobs) may spend only its share of the daily allocation
//! (`Allocation::initialization_share_pct`); live changes may spend all of it.
//!
//! The lane travels as a task-local rather than a parameter because the quota gate sits deep in
//! the Salesforce client (every HTTP request reserves its call), far below the writer and the
//! initialization that know the lane; one client per connection serves both lanes.

use std::future::Future;

tokio::task_local! {
    static INITIALIZATION: bool;
}

/// Run `work` with its Salesforce calls charged to the initialization's share.
pub async fn as_initialization<F: Future>(work: F) -> F::Output {
    INITIALIZATION.scope(true, work).await
}

/// Whether the current task spends for an initialization.
pub fn initialization_is_spending() -> bool {
    INITIALIZATION.try_with(|on| *on).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_lane_is_seen_inside_the_scope_only() {
        assert!(!initialization_is_spending());
        let inside = as_initialization(async { initialization_is_spending() }).await;
        assert!(inside);
        assert!(!initialization_is_spending());
    }
}
