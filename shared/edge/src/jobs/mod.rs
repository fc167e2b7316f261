//! The connector's jobs, the same in every deployment: Lambda functions run them from their
//! events (SQS batches, schedules), `jingsf serve` from its work loop.
//!
//! - [`drain`]: apply a batch of queued changes, saying per message what becomes of it;
//! - [`poll_all`]: the scheduled run over every app — the safety-net polls of Salesforce and
//!   JING, member matching when due, and parked changes released once the org has calls again;
//! - [`init_run`]: initialization steps of one app within a time budget;
//! - [`daily_reset`], [`digest`]: the daily re-queue of parked changes, the error digest;
//! - [`after_connect`]: what follows a successful authorization.

mod connected;
mod drain;
mod init;
pub mod members;
mod poll;
mod schedule;
pub mod unpark;

pub use connected::after_connect;
pub use drain::{
    Drained, Incoming, MAX_BACKOFF, MAX_RECEIVES, PATIENCE, Verdict, backoff, drain, drain_until,
    retry_or_dead,
};
pub use init::{InitRun, RunBudget, init_run};
pub use poll::{PollSummary, poll_all};
pub use schedule::{ResetSummary, daily_reset, digest};
pub use unpark::{fresh_org_usage, release_all, release_parked};
