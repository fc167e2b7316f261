use super::*;
use domain::{Category, NextStep};

#[test]
fn top_level_array_is_decoded() {
    let body = br#"[{"message":"Required fields are missing: [LastName, Company]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName","Company"]}]"#;
    let err = decode_error_body(400, body);
    assert_eq!(err.api_code(), Some("REQUIRED_FIELD_MISSING"));
    assert!(!err.is_retryable());
    let sync = err.to_sync_error();
    assert_eq!(sync.code, ErrorCode::RequiredValueMissing);
    assert_eq!(sync.field.as_deref(), Some("LastName"));
}

#[test]
fn bare_object_is_tolerated() {
    let body =
        br#"{"message":"Json Deserialization failed on token 'null'","errorCode":"INVALID_FIELD"}"#;
    let err = decode_error_body(400, body);
    assert_eq!(err.api_code(), Some("INVALID_FIELD"));
}

#[test]
fn fields_may_be_absent() {
    let body = br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
    let err = decode_error_body(401, body);
    assert!(err.is_invalid_session());
    assert_eq!(err.to_sync_error().category(), Category::Auth);
}

#[test]
fn html_error_page_is_a_retryable_http_error() {
    let body = b"<html><head><title>503 Service Unavailable</title></head><body>down</body></html>";
    let err = decode_error_body(503, body);
    assert!(matches!(err, SfError::Http { status: 503, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.to_sync_error().code, ErrorCode::RemoteUnavailable);
    let not_found = decode_error_body(404, b"<html>nope</html>");
    assert!(!not_found.is_retryable());
}

#[test]
fn request_limit_is_quota_not_retry() {
    let body =
        br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    let err = decode_error_body(403, body);
    assert!(!err.is_retryable());
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (ErrorCode::OrgLimitExceeded, NextStep::Park)
    );
}

#[test]
fn lock_row_and_server_errors_are_retryable() {
    let lock = br#"[{"message":"unable to obtain exclusive access to this record or 1 records: 00Q5g00000XyZaBEAV","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]"#;
    let err = decode_error_body(400, lock);
    assert!(err.is_retryable());
    assert_eq!(err.to_sync_error().code, ErrorCode::RecordLocked);
    let unknown =
        br#"[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]"#;
    assert!(decode_error_body(500, unknown).is_retryable());
    assert!(
        SfError::Network {
            timeout: true,
            not_sent: false,
            detail: "t".into()
        }
        .is_retryable()
    );
    assert_eq!(
        SfError::Network {
            timeout: true,
            not_sent: false,
            detail: "t".into()
        }
        .to_sync_error()
        .code,
        ErrorCode::RemoteUnavailable
    );
}

#[test]
fn duplicate_with_matches_becomes_a_duplicate_outcome() {
    let body = br#"[{
      "errorCode": "DUPLICATES_DETECTED",
      "message": "You're creating a duplicate record. We recommend you use an existing record instead.",
      "fields": [],
      "duplicateResult": {
        "allowSave": true,
        "duplicateRule": "Standard_Contact_Duplicate_Rule",
        "duplicateRuleEntityType": "Contact",
        "errorMessage": "You're creating a duplicate record. We recommend you use an existing record instead.",
        "matchResults": [{
          "entityType": "Contact",
          "errors": [],
          "matchEngine": "FuzzyMatchEngine",
          "matchRecords": [{
            "additionalInformation": [],
            "fieldDiffs": [],
            "matchConfidence": 100.0,
            "record": {"attributes": {"type": "Contact", "url": "/services/data/v62.0/sobjects/Contact/0038M0000016Wv8QAE"},
                       "Id": "0038M0000016Wv8QAE"}
          }],
          "rule": "Standard_Contact_Match_Rule_v1_1",
          "size": 1,
          "success": true
        }]
      }
    }]"#;
    match decode_error_body(400, body) {
        SfError::Duplicate { matches, rule } => {
            assert_eq!(matches, vec![SfId::parse("0038M0000016Wv8QAE").unwrap()]);
            assert_eq!(rule, "Standard_Contact_Duplicate_Rule");
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[test]
fn oauth_errors_are_typed() {
    let body = br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#;
    let err = decode_oauth_error(400, body);
    assert!(matches!(&err, SfError::OAuth { error, .. } if error == "invalid_grant"));
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (ErrorCode::NeedsReauthorization, NextStep::Reauthorize)
    );
    assert!(!err.is_retryable());
    let garbage = decode_oauth_error(502, b"<html>bad gateway</html>");
    assert!(garbage.is_retryable());
}

#[test]
fn session_invalid_after_refresh_needs_reauthorization() {
    assert_eq!(
        SfError::SessionInvalid.to_sync_error().code,
        ErrorCode::NeedsReauthorization
    );
    let budget = SfError::BudgetRefused {
        detail: "0 left".into(),
    }
    .to_sync_error();
    assert_eq!(
        (budget.code, budget.category()),
        (ErrorCode::AllocationSpent, Category::Quota)
    );
}

#[test]
fn garbage_bodies_never_panic() {
    for body in [
        &b""[..],
        b"[]",
        b"{}",
        b"[{}]",
        b"null",
        b"[1,2]",
        &[0xff, 0xfe, 0x00],
    ] {
        let err = decode_error_body(400, body);
        assert!(matches!(err, SfError::Http { .. }), "{body:?} -> {err:?}");
    }
}

#[test]
fn ambiguous_failures_are_flagged_for_non_idempotent_calls() {
    let timeout = SfError::Network {
        timeout: true,
        not_sent: false,
        detail: "t".into(),
    };
    assert!(timeout.may_have_been_applied());
    let refused = SfError::Network {
        timeout: false,
        not_sent: true,
        detail: "c".into(),
    };
    assert!(!refused.may_have_been_applied() && refused.is_retryable());
    let unavailable = br#"[{"message":"Server unavailable","errorCode":"SERVER_UNAVAILABLE"}]"#;
    assert!(!decode_error_body(503, unavailable).may_have_been_applied());
    let unknown =
        br#"[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]"#;
    assert!(decode_error_body(500, unknown).may_have_been_applied());
    let lock =
        br#"[{"message":"unable to obtain exclusive access","errorCode":"UNABLE_TO_LOCK_ROW"}]"#;
    assert!(!decode_error_body(400, lock).may_have_been_applied());
}

#[test]
fn concurrency_cap_is_told_apart_by_the_limit_header() {
    let body = br#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    let concurrent = decode_error_body(403, body).with_limit_info(Some("api-usage=120/15000"));
    assert!(matches!(concurrent, SfError::ConcurrencyLimited));
    assert!(concurrent.is_retryable() && !concurrent.may_have_been_applied());
    assert_eq!(
        concurrent.to_sync_error().code,
        ErrorCode::RemoteUnavailable
    );
    let daily = decode_error_body(403, body).with_limit_info(Some("api-usage=15000/15000"));
    assert_eq!(daily.to_sync_error().code, ErrorCode::OrgLimitExceeded);
    let unknown = decode_error_body(403, body).with_limit_info(None);
    assert_eq!(
        unknown.to_sync_error().code,
        ErrorCode::OrgLimitExceeded,
        "no header: assume the daily limit"
    );
    let other = decode_error_body(400, br#"[{"message":"x","errorCode":"INVALID_FIELD"}]"#)
        .with_limit_info(Some("api-usage=1/10"));
    assert_eq!(other.api_code(), Some("INVALID_FIELD"));
}
