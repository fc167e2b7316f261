//! The decision log ("why didn't record X sync?"): for every change the writer takes, what it
//! decided and why — synced (which fields), skipped (out of scope and the rule that decided,
//! trigger off, echo, unchanged), parked (quota, breaker, pause, authorization) or failed (the
//! error code) — with the direction, the time and the change's source.
//!
//! Kept bounded: the last [`KEEP_PER_RECORD`] decisions per record for [`KEEP_FOR`]. Twenty is
//! more than a month of a busy record's edits at the rate people type (a record changed more
//! often than that is a loop, and its newest decisions are the ones that explain it); thirty days
//! covers a monthly report's "why is this one missing" and the digest's cadence, and the log
//! holds field names, never values, so nothing personal outlives the records' own stores.

use super::StoreResult;
use async_trait::async_trait;
use domain::{Actor, AppId, Direction, ErrorCode, Lane, ObjectKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Decisions kept per record (older ones are dropped as new ones arrive).
pub const KEEP_PER_RECORD: usize = 20;
/// Decisions older than this are dropped (SQLite on write, DynamoDB through TTL).
pub const KEEP_FOR: time::Duration = time::Duration::days(30);

/// What a synced change did on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncedOp {
    Created,
    /// The target's duplicate rules found the record: bound to it and updated.
    Bound,
    Updated,
    Deleted,
    Converted,
    /// An initialization create staged for a Bulk API ingest job.
    Staged,
}

/// Why a change was parked (kept, nothing lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParkCause {
    /// The daily API allocation is spent.
    Quota,
    /// The circuit breaker opened on this batch.
    Breaker,
    /// The direction is paused (by an admin or an earlier breaker trip).
    Paused,
    /// The org's authorization failed: waits for a reconnect.
    Authorization,
}

/// What the writer decided for one change, and the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Verdict {
    Synced {
        op: SyncedOp,
        /// The fields written (Salesforce names).
        fields: Vec<String>,
    },
    /// A new record outside the direction's scope: `rules` are the conditions it missed (one
    /// per OR group, rendered `field op value`), `fields` the fields they test.
    OutOfScope {
        rules: Vec<String>,
        fields: Vec<String>,
    },
    /// The direction, the trigger (create/update, delete) or the object is off.
    TriggerOff { trigger: String },
    /// Our own write coming back.
    Echo,
    /// Nothing differs from what both sides hold (`conflicts`: fields whose conflict the
    /// target won).
    Unchanged { conflicts: Vec<String> },
    Parked {
        cause: ParkCause,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<ErrorCode>,
    },
    Failed {
        code: ErrorCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        /// Temporary: the change is delivered again.
        retry: bool,
    },
}

/// Where the change came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionSource {
    /// Live (pushed or polled) or backfill (initialization).
    pub lane: Lane,
    /// Who made the change (a person's id when the source tells it, or the connector).
    pub actor: Actor,
    /// When the source says the change happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One decision about one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub app: AppId,
    pub object: ObjectKind,
    /// The record's id on the side the change came from.
    pub record_key: String,
    pub direction: Direction,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub source: DecisionSource,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// Where decisions are kept. A batch is one write (one SQLite transaction, 25 items per
/// DynamoDB BatchWriteItem).
#[async_trait]
pub trait DecisionLog: Send + Sync {
    /// Append decisions (one call per writer batch).
    async fn record(&self, decisions: &[Decision]) -> StoreResult<()>;
    /// The decisions about a record under any of `keys` (the ids of both sides), newest first:
    /// at most [`KEEP_PER_RECORD`] per key, none older than [`KEEP_FOR`] before `now`.
    async fn for_record(
        &self,
        app: &AppId,
        object: ObjectKind,
        keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Decision>>;
}
