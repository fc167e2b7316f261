//! Record claims: at most one writer works on a record at a time, and a create whose outcome is
//! unknown (the process died, the call timed out) is recognised by the next attempt, which then
//! looks for the record it may have created instead of creating another.

use super::StoreResult;
use async_trait::async_trait;
use domain::AppId;
use time::OffsetDateTime;

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    /// Nobody was working on the record: it is ours until the lease ends.
    Fresh,
    /// An earlier attempt claimed it and did not finish (it died, or its outcome was uncertain
    /// and it released the lease): ours now, and whatever that attempt did must be looked for.
    Retried { first_at: OffsetDateTime },
    /// Another writer holds a live lease: try again later.
    Busy,
}

/// Per-record claims, keyed by the writer's record key (`{object}#{side}#{id}`), per app.
#[async_trait]
pub trait RecordClaims: Send + Sync {
    /// Claim each key until `lease_until`: absent → `Fresh`; present with an ended lease →
    /// `Retried` (keeping when it was first claimed); present with a live lease → `Busy`
    /// (unchanged). One state per key, in order.
    async fn claim_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<ClaimState>>;
    /// The work is settled: forget the claims.
    async fn finish_records(&self, app: &AppId, keys: &[String]) -> StoreResult<()>;
    /// The outcome is uncertain: end the leases now but remember the claims, so the next
    /// attempt is told `Retried`.
    async fn release_records(
        &self,
        app: &AppId,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}
