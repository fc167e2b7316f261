//! Simulator configuration.

use std::time::Duration;

/// How the simulator answers when its rate limit is exceeded (JING's real answer is unknown, so
/// the client must handle both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleAnswer {
    /// HTTP 200 with envelope code 42900.
    Code,
    /// HTTP 429 with the same envelope.
    Http429,
}

#[derive(Debug, Clone)]
pub struct JingSimConfig {
    pub app_id: String,
    pub app_secret: String,
    /// Tenant id (`mid`) put in webhook events.
    pub mid: String,
    /// Access-token lifetime (JING's is unknown; its sample shows ~75 min remaining).
    pub token_ttl: Duration,
    /// KNOWN: 30 days.
    pub refresh_ttl: Duration,
    /// Requests per second before the throttling answer (None = unlimited).
    pub throttle_per_sec: Option<u32>,
    pub throttle_answer: ThrottleAnswer,
    /// Send webhooks for changes made through the open API too (marked as our operator).
    pub webhook_api_changes: bool,
    /// Deliveries of one event before it is given up.
    pub webhook_max_attempts: u32,
    /// Items per batch call JING accepts (our contract: 100).
    pub max_batch: usize,
}

impl JingSimConfig {
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            ..Self::default()
        }
    }
}

impl Default for JingSimConfig {
    fn default() -> Self {
        Self {
            app_id: "202305171108447827375161344".to_owned(),
            app_secret: "c32501b33424473daebb9d43ccc37c57".to_owned(),
            mid: "59".to_owned(),
            token_ttl: Duration::from_secs(7200),
            refresh_ttl: jing::contract::REFRESH_TOKEN_TTL,
            throttle_per_sec: None,
            throttle_answer: ThrottleAnswer::Code,
            webhook_api_changes: false,
            webhook_max_attempts: 5,
            max_batch: 100,
        }
    }
}

/// Where and how webhooks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// Delivery URL; `{token}` in it is replaced by the token, else `/<token>` is appended.
    pub url: String,
    pub token: String,
    pub signing_secret: Option<String>,
}

impl WebhookTarget {
    pub fn delivery_url(&self) -> String {
        if self.url.contains("{token}") {
            self.url.replace("{token}", &self.token)
        } else {
            format!("{}/{}", self.url.trim_end_matches('/'), self.token)
        }
    }
}

/// Misbehaviour of the delivery, on request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookChaos {
    /// Deliver every event twice.
    pub duplicate: bool,
    /// Deliver pending events newest first.
    pub reorder: bool,
}
