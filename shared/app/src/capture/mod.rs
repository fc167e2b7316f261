//! Change capture: everything that feeds the writer. Salesforce pushes (outbound messages),
//! the safety-net pollers of both sides, JING webhooks. Each normalizes records into `Change`s and enqueues
//! them durably before acknowledging anything.

mod convert;
mod once;
mod poll;
mod poll_deletes;
mod poll_jing;
mod push;
pub mod verify;

pub use convert::{jing_record_change, sf_record_change, soap_value};
pub use poll::{OVERLAP, PollDeps, PollReport, poll, poll_with};
pub use poll_deletes::{GET_DELETED_AFTER, RECONCILE_PAGE};
pub use poll_jing::{
    JING_OVERLAP, JingPollDeps, JingPollReport, jing_cursor_key, poll_jing, start_jing_cursors,
};
pub use push::{
    IngestError, PushDeps, PushReport, PushedNotification, check_org, ingest_outbound,
    ingest_webhook,
};
