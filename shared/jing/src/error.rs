//! Client errors, classified by what the caller does next, each carrying the catalogue entry the
//! admin sees.

use crate::contract::{CodeClass, classify};
use domain::{ErrorCode, NextStep, SyncError};

/// A failed call (or a refused item) to JING.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JingError {
    /// Throttled, 5xx or network trouble that outlived the client's own retries: retry later.
    #[error("JING temporarily unavailable: {0}")]
    Transient(SyncError),
    /// JING refused the app's credentials: stop the app until the admin fixes them.
    #[error("JING refused the credentials: {0}")]
    Reauthorize(SyncError),
    /// A permanent refusal (permission, value, mapping, reference): record it for the admin.
    #[error("JING refused the request: {0}")]
    Record(SyncError),
    /// JING answered something our contract does not describe: record it and check the contract.
    #[error("unexpected answer from JING: {0}")]
    Protocol(String),
    /// The caller asked for something the client refuses before calling (e.g. an empty id).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl JingError {
    /// The catalogue entry to show (protocol and request errors become `InvalidValue`).
    pub fn sync_error(&self) -> SyncError {
        match self {
            Self::Transient(e) | Self::Reauthorize(e) | Self::Record(e) => e.clone(),
            Self::Protocol(d) | Self::InvalidRequest(d) => {
                SyncError::new(ErrorCode::InvalidValue).detail(d.clone())
            }
        }
    }

    pub fn next_step(&self) -> NextStep {
        match self {
            Self::Transient(_) => NextStep::Retry,
            Self::Reauthorize(_) => NextStep::Reauthorize,
            _ => NextStep::Record,
        }
    }

    /// Wrap a catalogue entry in the variant its next step calls for.
    pub fn from_sync(e: SyncError) -> Self {
        match e.next_step() {
            NextStep::Retry | NextStep::Park => Self::Transient(e),
            NextStep::Reauthorize => Self::Reauthorize(e),
            NextStep::Record => Self::Record(e),
        }
    }

    pub(crate) fn unavailable(detail: impl Into<String>) -> Self {
        Self::Transient(SyncError::new(ErrorCode::RemoteUnavailable).detail(detail))
    }

    pub(crate) fn throttled(detail: impl Into<String>) -> Self {
        Self::Transient(SyncError::new(ErrorCode::JingThrottled).detail(detail))
    }
}

/// Map a JING code (call-level or item-level) to the catalogue. `field` names the field the
/// item failure mentions; never put values or tokens into `detail`.
pub fn sync_error_for(code: i64, msg: &str, field: Option<&str>, object: &str) -> SyncError {
    let catalogue = match classify(code) {
        CodeClass::Fail(c) => c,
        CodeClass::Retry if code == crate::contract::codes::THROTTLED => ErrorCode::JingThrottled,
        CodeClass::Retry => ErrorCode::RemoteUnavailable,
        CodeClass::RenewToken | CodeClass::RegetToken => ErrorCode::JingAuthFailed,
        CodeClass::Duplicate => ErrorCode::InvalidValue,
    };
    let detail = match catalogue {
        // The picklist text says "{detail} is not an allowed value": the message names it.
        ErrorCode::InvalidPicklistValue => msg.to_owned(),
        _ => format!("JING {code}: {msg}"),
    };
    let mut e = SyncError::new(catalogue).object(object).detail(detail);
    if let Some(f) = field {
        e = e.field(f);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::codes;
    use domain::Category;

    #[test]
    fn item_codes_land_in_the_right_category() {
        let e = sync_error_for(
            codes::REQUIRED_FIELD_MISSING,
            "name is required",
            Some("name"),
            "lead",
        );
        assert_eq!(e.code, ErrorCode::RequiredValueMissing);
        assert_eq!(e.field.as_deref(), Some("name"));
        assert_eq!(e.category(), Category::Value);
        let e = sync_error_for(codes::PERMISSION_DENIED, "no permission", None, "account");
        assert_eq!(e.category(), Category::ApiPermission);
        let e = sync_error_for(codes::UNKNOWN_FIELD, "unknown field", Some("x__c"), "lead");
        assert_eq!(e.category(), Category::Mapping);
    }

    #[test]
    fn variants_follow_the_next_step() {
        let t = JingError::from_sync(SyncError::new(ErrorCode::JingThrottled));
        assert!(matches!(t, JingError::Transient(_)));
        let a = JingError::from_sync(SyncError::new(ErrorCode::JingAuthFailed));
        assert_eq!(a.next_step(), NextStep::Reauthorize);
        let r = JingError::from_sync(SyncError::new(ErrorCode::InvalidValue));
        assert_eq!(r.next_step(), NextStep::Record);
    }
}
