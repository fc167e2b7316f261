//! The Salesforce client of the JING ⇄ Salesforce connector. Everything the connector knows
//! about Salesforce's wire formats lives here (reference: `shared/reference/salesforce-api.md`).
//!
//! - [`config`]: login hosts, connected-app credentials, retry and header policy.
//! - [`oauth`]: PKCE web-server flow, refresh with rotation, revoke, identity.
//! - [`SfClient`]: REST calls with budget hook, call counting, `Sforce-Limit-Info`,
//!   refresh-once on `INVALID_SESSION_ID`, jittered retries on transient failures.
//! - Reads: [`SfClient::query`] pagers, [`soql`] incremental queries, getUpdated/getDeleted,
//!   [`SfClient::describe`] (cached), [`SfClient::limits`].
//! - Writes: sObject Collections create/update/delete (200 per call), [`SfClient::create_one`].
//! - [`bulk`]: Bulk API 2.0 query jobs with CSV pages.
//! - [`ingest`]: Bulk API 2.0 ingest jobs (insert/update/upsert/delete from one CSV upload),
//!   results mapped back onto the input rows ([`ingest_csv`]).
//! - [`outbound`]: outbound-message SOAP parsing and the ack.
//! - [`error`]: both Salesforce error formats, classified into the domain catalogue.
//! - `app::ports::SalesforcePort` is implemented by [`SfClient`]; `app::ports::SfAuth` by
//!   [`SfAuthAdapter`].
//!
//! # Wiring
//!
//! ```no_run
//! # async fn demo(tokens: app::ports::SfTokens, sink: std::sync::Arc<dyn jingsf_salesforce::TokenSink>)
//! # -> Result<(), jingsf_salesforce::SfError> {
//! use jingsf_salesforce::{OAuthClient, SfAppConfig, SfClient, SfEnvironment, WriteOptions};
//! use secrecy::SecretString;
//!
//! let app = SfAppConfig::new("consumer-key", SecretString::from("secret"), "https://x/cb");
//! let oauth = OAuthClient::new(reqwest::Client::new(), &SfEnvironment::Production, app);
//! let client = SfClient::builder(oauth, tokens.into()) // tokens from the vault
//!     .token_sink(sink) // persists refreshed / rotated tokens before they are used
//!     .build();
//! let mut pager = client.query("SELECT Id, Email FROM Lead");
//! while let Some(page) = pager.next_page().await? {
//!     println!("{} records", page.len());
//! }
//! let results = client
//!     .create("Lead", &[serde_json::from_str(r#"{"LastName":"Ng","Company":"Acme"}"#).unwrap()],
//!             &WriteOptions::default())
//!     .await
//!     .map_err(|e| e.error)?;
//! println!("{:?}, {} calls", results[0].id, client.usage().calls_made_by_this_client);
//! # Ok(()) }
//! ```

pub mod bulk;
mod bulk_csv;
mod classify;
pub mod client;
pub mod collections;
pub mod config;
pub mod describe;
pub mod error;
pub mod ingest;
pub mod ingest_csv;
mod ingest_results;
pub mod ingest_stream;
pub mod oauth;
pub mod outbound;
pub mod port;
pub mod port_budget;
mod port_bulk;
mod port_deletes;
mod port_ingest;
mod port_poll;
mod port_read;
pub mod port_wiring;
pub mod query;
pub mod record;
pub mod replication;
pub mod soql;
mod spool;
mod token;
mod transport;
mod upsert;
pub mod usage;

pub use bulk::{BulkJobInfo, BulkQueryOptions, BulkQueryResults};
pub use client::{SfClient, SfClientBuilder, TokenSink};
pub use collections::{CreateOutcome, RecordResult, SfRecordError, WriteError, WriteOptions};
pub use config::{ClientOptions, RetryPolicy, SfAppConfig, SfEnvironment};
pub use describe::{FieldDescribe, PicklistValue, SObjectDescribe};
pub use error::SfError;
pub use ingest::{IngestOperation, IngestReport, IngestResults};
pub use ingest_csv::{CSV_NULL, IngestCsv, IngestRowResult};
pub use oauth::{Identity, OAuthClient, Pkce, RefreshOutcome, TokenSet};
pub use port::{SCOPES, SfAuthAdapter, sf_environment};
pub use query::{QueryOptions, QueryPager};
pub use record::{Fields, Record};
pub use replication::{DailyApiRequests, DeletedIds, DeletedRecord, UpdatedIds};
pub use soql::ModstampCursor;
pub use usage::{ApiUsage, CallBudget};
