//! Every way a Salesforce call can fail, decoded from the wire and classified into the domain's
//! error catalogue.
//!
//! Two error formats exist (reference §0.1, §10): top-level REST errors are an array of
//! `{message, errorCode, fields}` (sometimes a bare object), while per-record results of sObject
//! Collections carry `statusCode`. Edge proxies answer 502/503 with HTML. Classification always
//! switches on the code, never on message text; messages are only mined for a detail to show
//! (`max length=80`).

use domain::{ErrorCode, SfId, SyncError};
use serde::Deserialize;

use crate::classify::classify;

/// One element of a top-level REST error array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub error_code: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub duplicate_result: Option<DuplicateResult>,
}

/// The `duplicateResult` block of a `DUPLICATES_DETECTED` error (reference §11).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateResult {
    #[serde(default)]
    pub allow_save: bool,
    #[serde(default)]
    pub duplicate_rule: String,
    #[serde(default)]
    pub match_results: Vec<MatchResult>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResult {
    #[serde(default)]
    pub entity_type: String,
    #[serde(default)]
    pub match_records: Vec<MatchRecord>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchRecord {
    #[serde(default)]
    pub match_confidence: f64,
    pub record: serde_json::Map<String, serde_json::Value>,
}

impl DuplicateResult {
    /// The ids of every matched record, in the order Salesforce ranked them.
    pub fn matched_ids(&self) -> Vec<SfId> {
        self.match_results
            .iter()
            .flat_map(|m| &m.match_records)
            .filter_map(|r| r.record.get("Id").and_then(|v| v.as_str()))
            .filter_map(|raw| SfId::parse(raw).ok())
            .collect()
    }
}

/// A failure of one Salesforce call. Variants say what the caller does next; use
/// [`SfError::to_sync_error`] for the user-visible catalogue entry and
/// [`SfError::is_retryable`] for the retry decision.
#[derive(Debug, thiserror::Error)]
pub enum SfError {
    /// The REST API refused the call with a JSON error body.
    #[error("Salesforce answered HTTP {status}: {}", first_code(.errors))]
    Api { status: u16, errors: Vec<ApiError> },
    /// A duplicate rule matched existing records; bind to one of `matches` instead of creating.
    #[error("Salesforce duplicate rule matched {} record(s)", .matches.len())]
    Duplicate { matches: Vec<SfId>, rule: String },
    /// A non-JSON error page (edge proxies answer 502/503 with HTML) or an unknown body.
    #[error("Salesforce answered HTTP {status} with a non-JSON body")]
    Http { status: u16, snippet: String },
    /// The OAuth token/revoke endpoint refused (`invalid_grant`, `invalid_client`, ...).
    #[error("Salesforce token endpoint refused: {error} ({description})")]
    OAuth {
        status: u16,
        error: String,
        description: String,
    },
    /// The access token was refused even after a successful refresh: re-authorize.
    #[error("Salesforce session stays invalid after a token refresh")]
    SessionInvalid,
    /// The request did not complete: connection refused/reset or timed out. Retry later.
    /// `not_sent` is true only when the connection was never established (nothing was processed).
    #[error("network failure talking to Salesforce (timeout: {timeout}): {detail}")]
    Network {
        timeout: bool,
        not_sent: bool,
        detail: String,
    },
    /// `REQUEST_LIMIT_EXCEEDED` while the daily allocation still has room: the cap on
    /// concurrent long-running requests. Retry in a little while; nothing to park.
    #[error("Salesforce refused: too many concurrent long-running requests")]
    ConcurrencyLimited,
    /// The caller's budget hook refused to reserve calls; nothing was sent.
    #[error("API budget refused the call: {detail}")]
    BudgetRefused { detail: String },
    /// A Bulk API job ended in `Failed` or `Aborted`.
    #[error("bulk job {job_id} ended {state}: {message}")]
    BulkJobFailed {
        job_id: String,
        state: String,
        message: String,
    },
    /// The response did not have the documented shape.
    #[error("unexpected Salesforce response: {0}")]
    Decode(String),
    /// The caller passed something we refuse to send (bad SOQL literal, empty id list...).
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// A token refresh answered for another org than the app's (a refreshed sandbox, another
    /// org behind the same login): the tokens were refused and nothing was sent.
    #[error("a token refresh answered for org {got}, not the app's org {expected}")]
    OrgChanged { expected: SfId, got: SfId },
}

fn first_code(errors: &[ApiError]) -> &str {
    errors
        .first()
        .map(|e| e.error_code.as_str())
        .unwrap_or("(no error code)")
}

impl SfError {
    /// The first Salesforce error code of an API error, if any.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            SfError::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            _ => None,
        }
    }

    /// Tell the two `REQUEST_LIMIT_EXCEEDED` apart by the response's own `Sforce-Limit-Info`
    /// (never by the message): usage below the allocation means the concurrency cap.
    pub fn with_limit_info(self, header: Option<&str>) -> SfError {
        let daily_room = header
            .and_then(crate::usage::parse_limit_info)
            .is_some_and(|(used, max)| used < max);
        if daily_room && self.api_code() == Some("REQUEST_LIMIT_EXCEEDED") {
            SfError::ConcurrencyLimited
        } else {
            self
        }
    }

    /// Whether the same request may succeed if sent again after a backoff.
    pub fn is_retryable(&self) -> bool {
        match self {
            SfError::Api { status, errors } => {
                *status >= 500 || errors.iter().any(|e| is_transient_code(&e.error_code))
            }
            SfError::Http { status, .. } => *status >= 500 || *status == 420,
            SfError::Network { .. } | SfError::ConcurrencyLimited => true,
            _ => false,
        }
    }

    /// Whether Salesforce may have applied the request although it failed (a timeout or a 500
    /// after the body was sent). Non-idempotent creates are not replayed in that case: the caller
    /// checks for the record first (duplicate pre-check) instead of risking a double insert.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            SfError::Network { not_sent, .. } => !not_sent,
            SfError::Api { status, errors } => {
                *status >= 500
                    && *status != 503
                    && !errors.iter().any(|e| e.error_code == "SERVER_UNAVAILABLE")
            }
            SfError::Http { status, .. } => *status >= 500 && *status != 503,
            _ => false,
        }
    }

    /// Whether the access token was refused (the client refreshes once and retries).
    pub fn is_invalid_session(&self) -> bool {
        matches!(self, SfError::Api { status: 401, .. })
            || self.api_code() == Some("INVALID_SESSION_ID")
    }

    /// The catalogue entry shown to the admin and driving the next step.
    pub fn to_sync_error(&self) -> SyncError {
        match self {
            SfError::Api { status, errors } => match errors.first() {
                Some(e) => classify(&e.error_code, &e.message, &e.fields),
                None if *status >= 500 => remote(format!("HTTP {status}")),
                None => SyncError::new(ErrorCode::InvalidValue).detail(format!("HTTP {status}")),
            },
            SfError::Duplicate { matches, rule } => SyncError::new(ErrorCode::InvalidValue).detail(
                format!("duplicate rule {rule} matched {} record(s)", matches.len()),
            ),
            SfError::Http { status, .. } if *status >= 500 || *status == 420 => {
                remote(format!("HTTP {status}"))
            }
            SfError::Http { status, .. } => {
                SyncError::new(ErrorCode::InvalidValue).detail(format!("HTTP {status}"))
            }
            SfError::OAuth { error, .. } => oauth_error(error),
            SfError::SessionInvalid => SyncError::new(ErrorCode::NeedsReauthorization)
                .detail("INVALID_SESSION_ID after refresh"),
            SfError::Network { timeout: true, .. } => remote("timeout".into()),
            SfError::Network { .. } => remote("network error".into()),
            SfError::ConcurrencyLimited => remote("concurrent request limit".into()),
            SfError::BudgetRefused { detail } => {
                SyncError::new(ErrorCode::AllocationSpent).detail(detail.clone())
            }
            SfError::BulkJobFailed { state, .. } => remote(format!("bulk job {state}")),
            SfError::Decode(d) => remote(format!("unexpected response: {d}")),
            SfError::InvalidInput(d) => SyncError::new(ErrorCode::InvalidValue).detail(d.clone()),
            SfError::OrgChanged { expected, got } => {
                SyncError::new(ErrorCode::OrgChanged).detail(format!("{expected} to {got}"))
            }
        }
    }
}

fn remote(detail: String) -> SyncError {
    SyncError::new(ErrorCode::RemoteUnavailable).detail(detail)
}

fn oauth_error(error: &str) -> SyncError {
    match error {
        // Refresh token revoked/expired, user deactivated, code reused: only a human can fix it.
        "invalid_grant" | "invalid_client" | "invalid_client_id" | "unauthorized_client" => {
            SyncError::new(ErrorCode::NeedsReauthorization).detail(error.to_owned())
        }
        "server_error" | "temporarily_unavailable" => remote(format!("token endpoint {error}")),
        _ => SyncError::new(ErrorCode::NeedsReauthorization).detail(error.to_owned()),
    }
}

/// Codes worth sending again unchanged (reference §10.3 "Retry? yes").
pub(crate) fn is_transient_code(code: &str) -> bool {
    matches!(
        code,
        "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE" | "UNKNOWN_EXCEPTION" | "QUERY_TIMEOUT"
    )
}

/// Decode the body of a REST response whose status is not 2xx.
pub fn decode_error_body(status: u16, body: &[u8]) -> SfError {
    let errors = serde_json::from_slice::<Vec<ApiError>>(body)
        .ok()
        .or_else(|| {
            serde_json::from_slice::<ApiError>(body)
                .ok()
                .map(|e| vec![e])
        })
        .filter(|errs| errs.iter().any(|e| !e.error_code.is_empty()));
    match errors {
        Some(errors) => duplicate_of(&errors).unwrap_or(SfError::Api { status, errors }),
        None => SfError::Http {
            status,
            snippet: snippet(body),
        },
    }
}

fn duplicate_of(errors: &[ApiError]) -> Option<SfError> {
    let dup = errors
        .iter()
        .find(|e| e.error_code == "DUPLICATES_DETECTED")?;
    let result = dup.duplicate_result.as_ref();
    Some(SfError::Duplicate {
        matches: result.map(DuplicateResult::matched_ids).unwrap_or_default(),
        rule: result.map(|r| r.duplicate_rule.clone()).unwrap_or_default(),
    })
}

/// The start of a non-JSON body, for diagnostics only (HTML pages carry no secrets or records).
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()
}

/// The body of a token-endpoint error (`{"error","error_description"}`).
#[derive(Debug, Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Decode a token/revoke endpoint failure.
pub fn decode_oauth_error(status: u16, body: &[u8]) -> SfError {
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(b) => SfError::OAuth {
            status,
            error: b.error,
            description: b.error_description,
        },
        Err(_) => SfError::Http {
            status,
            snippet: snippet(body),
        },
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
