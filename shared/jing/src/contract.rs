//! Our contract with JING's open API: every path, header, field name, page size and error code the
//! client and the simulator rely on, in ONE place.
//!
//! What the archived JING docs confirm is marked KNOWN (with the page id); everything else is
//! ASSUMED because the page body was not recoverable (see `docs/jing-contract.md`). When the real
//! pages are read, this file is the one to change.

use domain::ErrorCode;
use std::time::Duration;

/// KNOWN (api-55077543): production host.
pub const DEFAULT_BASE_URL: &str = "https://jingopenapi.jingsocial.com";

/// KNOWN (api-355314250): business calls carry these custom headers, not `Authorization`.
pub const HEADER_APP_ID: &str = "app_id";
pub const HEADER_ACCESS_TOKEN: &str = "access_token";

/// KNOWN (api-55077543): refresh tokens live 30 days.
pub const REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// The paths of the open API. KNOWN: `token_refresh`. ASSUMED: all others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub token: String,
    pub token_refresh: String,
    pub object_batch_create: String,
    pub object_batch_update: String,
    pub object_get: String,
    pub object_list: String,
    pub object_invalidate: String,
    pub object_fields: String,
    pub employee_query: String,
    pub employee_list: String,
    pub employee_create: String,
}

impl Default for Paths {
    fn default() -> Self {
        let s = |p: &str| p.to_owned();
        Self {
            token: s("/v1/oauth2/token"),
            token_refresh: s("/v1/oauth2/token/refresh"),
            object_batch_create: s("/v1/crm/object/batch_create"),
            object_batch_update: s("/v1/crm/object/batch_update"),
            object_get: s("/v1/crm/object/get"),
            object_list: s("/v1/crm/object/list"),
            object_invalidate: s("/v1/crm/object/invalidate"),
            object_fields: s("/v1/crm/object/fields"),
            employee_query: s("/v1/employee/query"),
            employee_list: s("/v1/employee/list"),
            employee_create: s("/v1/employee/create"),
        }
    }
}

/// JING's answer codes (envelope `code`). KNOWN: `0` = success. ASSUMED: all others.
pub mod codes {
    pub const SUCCESS: i64 = 0;
    /// Malformed request (bad JSON, missing `object_name`, batch too large).
    pub const BAD_REQUEST: i64 = 40000;
    /// `app_id` / `app_secret` refused by get-token or refresh.
    pub const INVALID_CREDENTIALS: i64 = 40001;
    /// `access_token` missing, unknown or expired: get a new one and retry once.
    pub const ACCESS_TOKEN_INVALID: i64 = 40002;
    /// `refresh_token` unknown, rotated or older than 30 days: call get-token again.
    pub const REFRESH_TOKEN_INVALID: i64 = 40003;
    /// The app has no permission for this interface or object.
    pub const PERMISSION_DENIED: i64 = 40300;
    /// Unknown entity id (single-record answers and per-item failures).
    pub const NOT_FOUND: i64 = 40400;
    /// Required field missing on create.
    pub const REQUIRED_FIELD_MISSING: i64 = 42201;
    /// Value not among the option field's options.
    pub const INVALID_OPTION: i64 = 42202;
    /// Value of the wrong type, too long, or badly formatted (e-mail, mobile, date).
    pub const INVALID_VALUE: i64 = 42203;
    /// Field code unknown or disabled on the object.
    pub const UNKNOWN_FIELD: i64 = 42204;
    /// The duplicate rules matched an existing record (`existing_id` says which).
    pub const DUPLICATE: i64 = 42205;
    /// Owner or other reference points to no (active) record.
    pub const INVALID_REFERENCE: i64 = 42206;
    /// Record is invalidated (作废) and cannot be updated.
    pub const RECORD_INVALIDATED: i64 = 42207;
    /// Call frequency limit hit (also accepted as HTTP 429).
    pub const THROTTLED: i64 = 42900;
    /// Server-side failure.
    pub const INTERNAL: i64 = 50000;
}

/// What the client does with a non-zero code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    /// Refresh/re-get the access token and repeat the call once.
    RenewToken,
    /// Call get-token again (refresh token dead).
    RegetToken,
    /// Wait (backoff) and retry.
    Retry,
    /// Per-item or per-call failure mapped to a catalogue code.
    Fail(ErrorCode),
    /// The create matched an existing record: bind to it.
    Duplicate,
}

/// The code table: JING code → what we do, and which catalogue entry the user sees.
pub fn classify(code: i64) -> CodeClass {
    use codes::*;
    match code {
        ACCESS_TOKEN_INVALID => CodeClass::RenewToken,
        REFRESH_TOKEN_INVALID => CodeClass::RegetToken,
        THROTTLED => CodeClass::Retry,
        DUPLICATE => CodeClass::Duplicate,
        INVALID_CREDENTIALS => CodeClass::Fail(ErrorCode::JingAuthFailed),
        PERMISSION_DENIED => CodeClass::Fail(ErrorCode::JingPermissionDenied),
        REQUIRED_FIELD_MISSING => CodeClass::Fail(ErrorCode::RequiredValueMissing),
        INVALID_OPTION => CodeClass::Fail(ErrorCode::InvalidPicklistValue),
        UNKNOWN_FIELD => CodeClass::Fail(ErrorCode::MappedFieldMissing),
        INVALID_REFERENCE | NOT_FOUND | RECORD_INVALIDATED => {
            CodeClass::Fail(ErrorCode::BadReference)
        }
        INTERNAL..=59999 => CodeClass::Retry,
        _ => CodeClass::Fail(ErrorCode::InvalidValue),
    }
}

/// Request/response field names of the assumed object and employee endpoints.
pub mod fields {
    pub const OBJECT_NAME: &str = "object_name";
    pub const RECORDS: &str = "records";
    pub const ENTITY_ID: &str = "entity_id";
    pub const ENTITY_IDS: &str = "entity_ids";
    pub const FIELDS: &str = "fields";
    pub const UPDATED_SINCE: &str = "updated_since";
    pub const PAGE_SIZE: &str = "page_size";
    pub const CURSOR: &str = "cursor";
}

/// How we recognise changes made by our own API client in webhook payloads (ASSUMED: JING marks
/// open-API writes with `operator_type` 0 and `login_platform` "openapi").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnWriteMarker {
    pub operator_type: i64,
    pub login_platform: String,
}

impl Default for OwnWriteMarker {
    fn default() -> Self {
        Self {
            operator_type: 0,
            login_platform: "openapi".to_owned(),
        }
    }
}

/// Webhook conventions. KNOWN: payload shape (doc-1924452, doc-2115608, doc-2117445).
/// ASSUMED: the signature headers, the tolerance, the size limit and the invalidate keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookContract {
    pub timestamp_header: String,
    pub signature_header: String,
    /// Prefix of the signature value: `v1=<hex of HMAC-SHA256(secret, ts + "." + body)>`.
    pub signature_scheme: String,
    pub tolerance: Duration,
    pub max_body_bytes: usize,
    pub event_category: String,
    pub create_keyword: String,
    pub update_keyword: String,
    pub owner_keywords: Vec<String>,
    pub invalidate_keyword: String,
    pub own_writes: OwnWriteMarker,
}

impl Default for WebhookContract {
    fn default() -> Self {
        Self {
            timestamp_header: "X-Jing-Timestamp".to_owned(),
            signature_header: "X-Jing-Signature".to_owned(),
            signature_scheme: "v1".to_owned(),
            tolerance: Duration::from_secs(300),
            max_body_bytes: 256 * 1024,
            event_category: "object_v2".to_owned(),
            create_keyword: "object_create".to_owned(),
            update_keyword: "object_update".to_owned(),
            owner_keywords: vec![
                "manual_distribution".to_owned(),
                "auto_distribution".to_owned(),
            ],
            invalidate_keyword: "object_invalid".to_owned(),
            own_writes: OwnWriteMarker::default(),
        }
    }
}

/// Everything configurable about the open API in one struct; `Default` is our best knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JingContract {
    pub base_url: String,
    pub paths: Paths,
    /// Items per batch create/update/invalidate/get call (ASSUMED 100).
    pub batch_size: usize,
    /// Records per list page (ASSUMED default 100, max 200).
    pub page_size: usize,
    pub max_page_size: usize,
    /// KNOWN: 30 days.
    pub refresh_token_ttl: Duration,
    /// Renew the access token this long before `expires_in` runs out.
    pub token_skew: Duration,
    pub webhook: WebhookContract,
}

impl Default for JingContract {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            paths: Paths::default(),
            batch_size: 100,
            page_size: 100,
            max_page_size: 200,
            refresh_token_ttl: REFRESH_TOKEN_TTL,
            token_skew: Duration::from_secs(60),
            webhook: WebhookContract::default(),
        }
    }
}

impl JingContract {
    /// The default contract against another host (the simulator).
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            ..Self::default()
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_assumed_code_has_a_class() {
        use codes::*;
        assert_eq!(classify(ACCESS_TOKEN_INVALID), CodeClass::RenewToken);
        assert_eq!(classify(REFRESH_TOKEN_INVALID), CodeClass::RegetToken);
        assert_eq!(classify(THROTTLED), CodeClass::Retry);
        assert_eq!(classify(50302), CodeClass::Retry);
        assert_eq!(classify(DUPLICATE), CodeClass::Duplicate);
        assert_eq!(
            classify(INVALID_OPTION),
            CodeClass::Fail(ErrorCode::InvalidPicklistValue)
        );
        assert_eq!(
            classify(PERMISSION_DENIED),
            CodeClass::Fail(ErrorCode::JingPermissionDenied)
        );
        assert_eq!(
            classify(INVALID_CREDENTIALS),
            CodeClass::Fail(ErrorCode::JingAuthFailed)
        );
        assert_eq!(
            classify(UNKNOWN_FIELD),
            CodeClass::Fail(ErrorCode::MappedFieldMissing)
        );
        assert_eq!(classify(12345), CodeClass::Fail(ErrorCode::InvalidValue));
    }

    #[test]
    fn base_url_is_joined_without_double_slashes() {
        let c = JingContract::with_base_url("http://127.0.0.1:9/");
        assert_eq!(
            c.url(&c.paths.token_refresh),
            "http://127.0.0.1:9/v1/oauth2/token/refresh"
        );
    }
}
