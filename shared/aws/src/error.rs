//! SDK errors → [`StoreError`], classified by the service's error code (never by message text).

use app::ports::StoreError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

/// Codes that mean "a condition did not hold": the caller re-reads and retries.
const CONFLICT_CODES: &[&str] = &[
    "ConditionalCheckFailedException",
    "TransactionConflictException",
    "ConditionalCheckFailed",
    "TransactionConflict",
    // SQS: the receipt is stale (the message timed out and another receiver holds it now).
    "ReceiptHandleIsInvalid",
    "MessageNotInflight",
];

/// Codes that mean "our request is malformed": a bug, retrying cannot help.
const BUG_CODES: &[&str] = &[
    "ValidationException",
    "SerializationException",
    "ValidationError",
    "InvalidParameterValue",
];

/// Classify any SDK error of any AWS service.
pub(crate) fn store_error<E, R>(op: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().unwrap_or_default().to_owned();
    let text = format!("{op}: {}", DisplayErrorContext(&err));
    classify_code(&code, text)
}

pub(crate) fn classify_code(code: &str, text: String) -> StoreError {
    if CONFLICT_CODES.contains(&code) {
        StoreError::Conflict(text)
    } else if BUG_CODES.contains(&code) {
        StoreError::Corrupt(text)
    } else {
        StoreError::Unavailable(text)
    }
}

/// TransactWriteItems: a cancelled transaction is a conflict when any item's reason is a failed
/// condition or a concurrent transaction; a validation reason is a bug.
pub(crate) fn transact_error<R: std::fmt::Debug>(
    op: &str,
    err: SdkError<TransactWriteItemsError, R>,
) -> StoreError {
    let reasons: Vec<String> = match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .filter_map(|r| r.code().map(str::to_owned))
            .filter(|c| c != "None")
            .collect(),
        _ => return store_error(op, err),
    };
    let text = format!("{op}: transaction cancelled ({})", reasons.join(", "));
    if reasons.iter().any(|c| BUG_CODES.contains(&c.as_str())) {
        StoreError::Corrupt(text)
    } else if reasons.iter().any(|c| CONFLICT_CODES.contains(&c.as_str())) {
        StoreError::Conflict(text)
    } else {
        StoreError::Unavailable(text)
    }
}

/// Stored data that does not decode.
pub(crate) fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    // Decoding errors quote the stored values (records, changes): masked.
    StoreError::Corrupt(format!(
        "{what}: {}",
        domain::redact::quoted(&err.to_string())
    ))
}

/// The error code of an SDK error, for the few places that branch on a specific code.
pub(crate) fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_what_the_caller_does_next() {
        assert!(matches!(
            classify_code("ConditionalCheckFailedException", "x".into()),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            classify_code("ValidationException", "x".into()),
            StoreError::Corrupt(_)
        ));
        assert!(matches!(
            classify_code("ProvisionedThroughputExceededException", "x".into()),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            classify_code("", "dispatch failure".into()),
            StoreError::Unavailable(_)
        ));
    }
}
