//! Webhook intake: pure functions over bytes and headers (no HTTP framework). Every delivery is
//! authenticated, size-limited, parsed into a `domain::Change` and given an idempotency key; a
//! refusal is a typed rejection carrying the HTTP status to answer, and nothing is enqueued.

pub mod auth;
pub mod idempotency;
pub mod parse;

use crate::contract::WebhookContract;
use domain::{AppId, Change};
use secrecy::SecretString;
use time::OffsetDateTime;

/// How one app receives webhooks.
#[derive(Debug, Clone)]
pub struct AppWebhookConfig {
    pub app: AppId,
    /// The unguessable token in the app's webhook URL (`.../jing/webhook/<app>/<token>`).
    pub url_token: SecretString,
    /// When set, deliveries must be signed (`X-Jing-Signature`).
    pub signing_secret: Option<SecretString>,
    /// When set, events of another tenant (`mid`) are refused.
    pub expected_mid: Option<String>,
    pub contract: WebhookContract,
}

impl AppWebhookConfig {
    pub fn new(app: AppId, url_token: impl Into<String>) -> Self {
        Self {
            app,
            url_token: SecretString::from(url_token.into()),
            signing_secret: None,
            expected_mid: None,
            contract: WebhookContract::default(),
        }
    }
    pub fn signed(mut self, secret: impl Into<String>) -> Self {
        self.signing_secret = Some(SecretString::from(secret.into()));
        self
    }
}

/// One delivery as the HTTP layer hands it over.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The token taken from the URL path.
    pub url_token: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl WebhookRequest<'_> {
    /// Header lookup, case-insensitive as HTTP says.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A delivery accepted: the change to enqueue and the key that recognises duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    pub change: Change,
    pub idempotency_key: String,
    /// The tenant (`mid`) and keyword, for logs and metrics.
    pub mid: String,
    pub action_keyword: String,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    #[error("no app is registered under this webhook URL")]
    UnknownApp,
    #[error("the webhook URL token is wrong")]
    BadUrlToken,
    #[error("the signature or timestamp header is missing or unreadable")]
    MissingSignature,
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("the timestamp is {age_secs}s away from now, outside the tolerance window")]
    StaleTimestamp { age_secs: u64 },
    #[error("the body is {size} bytes, over the {limit}-byte limit")]
    BodyTooLarge { size: usize, limit: usize },
    #[error("the body is not a JING event: {0}")]
    Malformed(String),
    #[error("event_category {0:?} is not handled")]
    UnknownCategory(String),
    #[error("object {0:?} is not synced")]
    UnsupportedObject(String),
    #[error("action {0:?} is not handled")]
    UnsupportedAction(String),
    #[error("the event belongs to tenant {0:?}, not this app's")]
    WrongTenant(String),
}

impl RejectReason {
    /// The HTTP status the webhook endpoint answers.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownApp | Self::BadUrlToken | Self::MissingSignature => 401,
            Self::BadSignature | Self::StaleTimestamp { .. } | Self::WrongTenant(_) => 403,
            Self::BodyTooLarge { .. } => 413,
            Self::Malformed(_) => 400,
            Self::UnknownCategory(_) | Self::UnsupportedObject(_) | Self::UnsupportedAction(_) => {
                422
            }
        }
    }
}

/// A refusal with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {reason}")]
pub struct WebhookRejection {
    pub status: u16,
    pub reason: RejectReason,
}

impl WebhookRejection {
    pub fn new(reason: RejectReason) -> Self {
        Self {
            status: reason.status(),
            reason,
        }
    }
}

/// Authenticate and parse one delivery for a known app.
pub fn verify_and_parse(
    app: &AppWebhookConfig,
    req: &WebhookRequest<'_>,
    now: OffsetDateTime,
) -> Result<ParsedEvent, WebhookRejection> {
    auth::check_size(app, req.body)?;
    auth::check_url_token(app, req.url_token)?;
    auth::check_signature(app, req, now)?;
    parse::parse_event(app, req.body)
}

/// Same, looking the app up first; an unknown app is refused like a bad token would be.
pub fn verify_and_parse_for<'a>(
    lookup: impl FnOnce(&str) -> Option<&'a AppWebhookConfig>,
    app_id: &str,
    req: &WebhookRequest<'_>,
    now: OffsetDateTime,
) -> Result<ParsedEvent, WebhookRejection> {
    let app = lookup(app_id).ok_or_else(|| WebhookRejection::new(RejectReason::UnknownApp))?;
    verify_and_parse(app, req, now)
}
