//! Salesforce error code → domain catalogue entry. Shared by top-level REST errors
//! (`errorCode`) and per-record collection errors (`statusCode`): same codes, same meaning.

use domain::{ErrorCode, SyncError};

/// Classify one Salesforce error. The match is on the code; the message only supplies a detail
/// (never copied wholesale where it may echo the record's value, e.g. an e-mail address).
pub fn classify(code: &str, message: &str, fields: &[String]) -> SyncError {
    let sync = match code {
        "UNABLE_TO_LOCK_ROW" => SyncError::new(ErrorCode::RecordLocked),
        "SERVER_UNAVAILABLE" | "UNKNOWN_EXCEPTION" | "QUERY_TIMEOUT" => remote(code),
        // The good records of an all-or-none batch: sending them again will work.
        "ALL_OR_NONE_OPERATION_ROLLED_BACK" | "PROCESSING_HALTED" | "BATCH_PROCESSING_HALTED" => {
            remote(code)
        }
        // An idle query cursor expired: the next poll restarts the query from its cursor.
        "INVALID_QUERY_LOCATOR" => remote(code),
        "REQUEST_LIMIT_EXCEEDED" => SyncError::new(ErrorCode::OrgLimitExceeded).detail(code),
        "INVALID_SESSION_ID" => SyncError::new(ErrorCode::NeedsReauthorization).detail(code),
        "API_DISABLED_FOR_ORG" | "API_CURRENTLY_DISABLED" => SyncError::new(ErrorCode::ApiDisabled),
        "INSUFFICIENT_ACCESS_OR_READONLY"
        | "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY"
        | "INSUFFICIENT_ACCESS" => SyncError::new(ErrorCode::ObjectNotAccessible).detail("edit"),
        "INVALID_TYPE" | "INVALID_TYPE_FOR_OPERATION" => {
            SyncError::new(ErrorCode::ObjectNotAccessible).detail("access")
        }
        // The field exists but field-level security forbids writing it.
        "INVALID_FIELD_FOR_INSERT_UPDATE" => SyncError::new(ErrorCode::FieldNotAccessible),
        // Unknown to this user: deleted, renamed, or hidden by field-level security.
        "INVALID_FIELD" | "NO_SUCH_COLUMN" => with_field(
            SyncError::new(ErrorCode::MappedFieldMissing),
            fields.first().cloned().or_else(|| quoted_column(message)),
        ),
        "STRING_TOO_LONG" => SyncError::new(ErrorCode::ValueTooLong).detail(
            max_length(message)
                .map(|n| format!("max length={n}"))
                .unwrap_or_default(),
        ),
        "REQUIRED_FIELD_MISSING" => {
            SyncError::new(ErrorCode::RequiredValueMissing).detail(fields.join(", "))
        }
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" => {
            SyncError::new(ErrorCode::InvalidPicklistValue)
                .detail(after_colon(message).unwrap_or_default())
        }
        "INVALID_EMAIL_ADDRESS" => SyncError::new(ErrorCode::InvalidEmail),
        "FIELD_CUSTOM_VALIDATION_EXCEPTION" => {
            SyncError::new(ErrorCode::InvalidValue).detail(short(message))
        }
        "INVALID_CROSS_REFERENCE_KEY"
        | "FIELD_FILTER_VALIDATION_EXCEPTION"
        | "MALFORMED_ID"
        | "NOT_FOUND"
        | "ENTITY_IS_DELETED" => SyncError::new(ErrorCode::BadReference).detail(code),
        "CANNOT_UPDATE_CONVERTED_LEAD" => SyncError::new(ErrorCode::ConvertedLead),
        "DUPLICATES_DETECTED" => SyncError::new(ErrorCode::DuplicateRuleMatched)
            .detail("a Salesforce duplicate rule matched"),
        _ => SyncError::new(ErrorCode::InvalidValue).detail(code),
    };
    match sync.field {
        Some(_) => sync,
        None => with_field(sync, fields.first().cloned()),
    }
}

fn remote(code: &str) -> SyncError {
    SyncError::new(ErrorCode::RemoteUnavailable).detail(code)
}

fn with_field(sync: SyncError, field: Option<String>) -> SyncError {
    match field {
        Some(f) => sync.field(f),
        None => sync,
    }
}

/// `... (max length=80)` → 80.
fn max_length(message: &str) -> Option<u32> {
    let rest = &message[message.find("max length=")? + "max length=".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `No such column 'Foo__c' on sobject of type Lead` → `Foo__c`.
fn quoted_column(message: &str) -> Option<String> {
    let rest = &message[message.find("column '")? + "column '".len()..];
    Some(rest[..rest.find('\'')?].to_owned())
}

/// `Lead Status: bad value for restricted picklist field: Foo` → `Foo`.
fn after_colon(message: &str) -> Option<String> {
    message.rsplit_once(": ").map(|(_, v)| short(v))
}

/// Validation-rule texts are written by the admin; keep them readable but bounded.
fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Category, NextStep};

    fn f(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn value_errors_carry_field_and_detail() {
        let e = classify(
            "STRING_TOO_LONG",
            "Last Name: data value too large: xxxxx (max length=80)",
            &f(&["LastName"]),
        );
        assert_eq!(e.code, ErrorCode::ValueTooLong);
        assert_eq!(e.field.as_deref(), Some("LastName"));
        assert_eq!(e.detail, "max length=80");

        let e = classify(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName, Company]",
            &f(&["LastName", "Company"]),
        );
        assert_eq!(e.code, ErrorCode::RequiredValueMissing);
        assert_eq!(e.field.as_deref(), Some("LastName"));
        assert_eq!(e.detail, "LastName, Company");

        let e = classify(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Lead Status: bad value for restricted picklist field: Foo",
            &f(&["Status"]),
        );
        assert_eq!(
            (e.code, e.detail.as_str()),
            (ErrorCode::InvalidPicklistValue, "Foo")
        );
        let e = classify(
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: a@b",
            &f(&["Email"]),
        );
        assert_eq!(e.code, ErrorCode::InvalidEmail);
        assert!(
            !e.detail.contains("a@b"),
            "the address must not leak into the error list"
        );
        let e = classify(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Phone must start with +86",
            &[],
        );
        assert_eq!(
            (e.code, e.detail.as_str()),
            (ErrorCode::InvalidValue, "Phone must start with +86")
        );
    }

    #[test]
    fn permission_and_mapping_errors() {
        let e = classify(
            "INSUFFICIENT_ACCESS_OR_READONLY",
            "insufficient access rights on object id",
            &[],
        );
        assert_eq!(e.code, ErrorCode::ObjectNotAccessible);
        assert_eq!(e.category(), Category::ApiPermission);
        let e = classify("INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", "x", &[]);
        assert_eq!(e.code, ErrorCode::ObjectNotAccessible);
        let e = classify(
            "INVALID_FIELD",
            "No such column 'Foo__c' on sobject of type Lead",
            &[],
        );
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::MappedFieldMissing, Some("Foo__c"))
        );
        let e = classify(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: Rating",
            &f(&["Rating"]),
        );
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::FieldNotAccessible, Some("Rating"))
        );
    }

    #[test]
    fn association_transient_quota_and_auth() {
        assert_eq!(
            classify(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                &[]
            )
            .code,
            ErrorCode::BadReference
        );
        assert_eq!(
            classify(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                &[]
            )
            .code,
            ErrorCode::ConvertedLead
        );
        let locked = classify(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access",
            &[],
        );
        assert_eq!(
            (locked.code, locked.next_step()),
            (ErrorCode::RecordLocked, NextStep::Retry)
        );
        let quota = classify(
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
            &[],
        );
        assert_eq!(
            (quota.code, quota.next_step()),
            (ErrorCode::OrgLimitExceeded, NextStep::Park)
        );
        assert_eq!(
            classify("INVALID_SESSION_ID", "Session expired or invalid", &[]).code,
            ErrorCode::NeedsReauthorization
        );
        assert_eq!(
            classify("ALL_OR_NONE_OPERATION_ROLLED_BACK", "rolled back", &[]).next_step(),
            NextStep::Retry
        );
        let expired = classify("INVALID_QUERY_LOCATOR", "invalid query locator", &[]);
        assert_eq!(
            (expired.code, expired.next_step()),
            (ErrorCode::RemoteUnavailable, NextStep::Retry)
        );
    }

    #[test]
    fn unknown_codes_are_value_errors_naming_the_code() {
        let e = classify("SOMETHING_NEW", "whatever", &[]);
        assert_eq!(
            (e.code, e.detail.as_str()),
            (ErrorCode::InvalidValue, "SOMETHING_NEW")
        );
    }

    #[test]
    fn odd_messages_never_panic() {
        for m in [
            "",
            "max length=",
            "max length=abc)",
            "column '",
            "x: ",
            "ü:é (max length=99999999999999)",
        ] {
            let _ = classify("STRING_TOO_LONG", m, &[]);
            let _ = classify("INVALID_FIELD", m, &[]);
            let _ = classify("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", m, &[]);
        }
    }
}
