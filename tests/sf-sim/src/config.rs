//! How a simulated org is set up.

use domain::ids::SfId;
use std::time::Duration;

/// Settings of one simulated org. `Default` is a Developer-Edition-like org with one connected app.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Registered callback URLs; empty accepts any.
    pub redirect_uris: Vec<String>,
    /// Rolling-24 h API allocation (`DailyApiRequests.Max`).
    pub daily_api_limit: u64,
    /// Session timeout: an access token unused for this long answers 401 `INVALID_SESSION_ID`.
    pub token_ttl: Duration,
    /// Authorization codes die after this long.
    pub code_ttl: Duration,
    /// Refresh-token rotation on the connected app: a refresh returns a new one, the old one dies.
    pub rotate_refresh_tokens: bool,
    /// Active Lead assignment rule: owner given to leads written with `Sforce-Auto-Assign` absent
    /// or TRUE. `None` = no active rule.
    pub auto_assign_owner: Option<SfId>,
    /// Standard duplicate rules (Lead by Email, Account by Name, Alert on create and edit).
    pub duplicate_rules: bool,
    /// How many job-status polls a Bulk query or ingest job takes to reach its end (≥ 1).
    pub bulk_polls_to_complete: u32,
    /// Largest ingest upload, counted as Salesforce does after base64 (150 MB; taken as
    /// 150,000,000 bytes, the stricter reading of "MB": a client keeping to the documented
    /// 100 MB of raw CSV stays under it either way).
    pub bulk_ingest_max_upload_bytes: usize,
    /// Outbound messages; `None` = no outbound message is defined.
    pub outbound: Option<OutboundConfig>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: "3MVG9SimConsumerKey".to_owned(),
            client_secret: "SimConsumerSecret".to_owned(),
            redirect_uris: vec![],
            daily_api_limit: 15_000,
            token_ttl: Duration::from_secs(2 * 3600),
            code_ttl: Duration::from_secs(15 * 60),
            rotate_refresh_tokens: false,
            auto_assign_owner: None,
            duplicate_rules: true,
            bulk_polls_to_complete: 2,
            bulk_ingest_max_upload_bytes: 150_000_000,
            outbound: None,
        }
    }
}

/// An outbound-message definition (one per object) and how the sender misbehaves.
#[derive(Debug, Clone)]
pub struct OutboundConfig {
    /// Listener endpoint the SOAP notifications are POSTed to.
    pub url: String,
    /// Object → fields selected in the message definition (`Id` is always sent).
    pub objects: Vec<(String, Vec<String>)>,
    /// Also notify for changes made by the integration user (a rule without the usual
    /// "LastModifiedBy ≠ integration user" criterion).
    pub include_integration_changes: bool,
    /// Send every acknowledged message a second time (at-least-once delivery).
    pub duplicate: bool,
    /// Send the notifications of a message in reverse order (out-of-order delivery).
    pub reorder: bool,
    /// First retry delay; doubles per attempt up to 2 h (real Salesforce starts at minutes).
    pub retry_base: Duration,
    /// Run a background sender that delivers due messages on its own.
    pub background: bool,
}

impl OutboundConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            objects: vec![],
            include_integration_changes: false,
            duplicate: false,
            reorder: false,
            retry_base: Duration::from_millis(200),
            background: false,
        }
    }
    /// Select an object and its fields.
    pub fn object(mut self, name: &str, fields: &[&str]) -> Self {
        self.objects.push((
            name.to_owned(),
            fields.iter().map(|f| (*f).to_owned()).collect(),
        ));
        self
    }
}
