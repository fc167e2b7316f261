//! JING open-API client and webhook intake.
//!
//! - [`contract`]: every path, code, header and size we assume (one place to change).
//! - [`client`]: tokens, retries, pacing; endpoint modules [`records`], [`employees`],
//!   [`metadata`] add methods to [`JingClient`].
//! - [`webhook`]: verify and parse `object_v2` deliveries into `domain::Change`.

pub mod client;
pub mod contract;
pub mod employees;
pub mod envelope;
pub mod error;
pub mod metadata;
pub mod port;
pub mod ratelimit;
pub mod records;
pub mod token;
mod token_cache;
mod transport;
pub mod webhook;

pub use client::{JingClient, JingClientConfig};
pub use contract::JingContract;
pub use employees::{Employee, EmployeeCreated, NewEmployee};
pub use error::JingError;
pub use metadata::{FieldMeta, FieldTypes};
pub use ratelimit::{RateLimiter, RetryPolicy};
pub use records::{ChangedPage, FieldValues, JingRecord, RecordUpdate, WriteOutcome};
pub use token::{Clock, Credentials, NoTokenSink, TokenSet, TokenSink};
pub use transport::CallStats;
pub use webhook::{
    AppWebhookConfig, ParsedEvent, RejectReason, WebhookRejection, WebhookRequest,
    verify_and_parse, verify_and_parse_for,
};
