//! Every key of every table, in one file, so docs/storage.md can be checked against it.
//! Partition keys always begin with `{app}#`.

use domain::{AppId, ObjectKind, Side};
use time::{Date, OffsetDateTime};

/// bindings table: the binding under its Salesforce or JING id.
pub(crate) fn binding_pk(app: &AppId, object: ObjectKind, side: Side) -> String {
    format!("{app}#binding#{object}#{}", side.as_str())
}

/// bindings table: the per-object counter item.
pub(crate) fn binding_count_pk(app: &AppId, object: ObjectKind) -> String {
    format!("{app}#binding#{object}#count")
}
pub(crate) const COUNT_SK: &str = "count";

/// state table.
pub(crate) fn cursor_pk(app: &AppId) -> String {
    format!("{app}#cursor")
}
pub(crate) fn quota_pk(app: &AppId) -> String {
    format!("{app}#quota")
}
pub(crate) fn quota_sk(day: Date) -> String {
    domain::datetime::format_date(day)
}
pub(crate) fn parked_pk(app: &AppId) -> String {
    format!("{app}#parked")
}
pub(crate) fn parked_sk(record: &domain::RecordRef) -> String {
    format!("{}#{}", record.side().as_str(), record.as_str())
}
/// state table: a pause the workers added (`SettingsStore::pause`), one item per direction.
pub(crate) fn pause_pk(app: &AppId) -> String {
    format!("{app}#pause")
}
/// `{object}#{origin side}`: one pause per object and direction.
pub(crate) fn pause_sk(object: ObjectKind, direction: domain::Direction) -> String {
    format!("{object}#{}", direction.origin().as_str())
}
/// Idempotency keys come from `Change::idempotency_key` and webhook delivery ids, which start
/// with the app id; the key itself is the partition key.
pub(crate) fn idempotency_pk(key: &str) -> String {
    key.to_owned()
}
pub(crate) const IDEMPOTENCY_SK: &str = "claim";
/// state table: record claims (sort key `{object}#{side}#{id}`, the writer's record key).
pub(crate) fn claim_pk(app: &AppId) -> String {
    format!("{app}#claim")
}

/// activity table: error records and the sync log, one item per record.
pub(crate) fn error_pk(app: &AppId) -> String {
    format!("{app}#error")
}
pub(crate) fn synced_pk(app: &AppId) -> String {
    format!("{app}#synced")
}
pub(crate) fn conflict_pk(app: &AppId) -> String {
    format!("{app}#conflict")
}
pub(crate) fn journal_pk(app: &AppId, object: ObjectKind, record_key: &str) -> String {
    format!("{app}#journal#{object}#{record_key}")
}
/// activity table: the decision log, one partition per record.
pub(crate) fn decision_pk(app: &AppId, object: ObjectKind, record_key: &str) -> String {
    format!("{app}#decision#{object}#{record_key}")
}
pub(crate) fn record_sk(object: ObjectKind, record_key: &str) -> String {
    format!("{object}#{record_key}")
}

/// Sort key that orders by time: zero-padded epoch microseconds, then a tiebreaker.
pub(crate) fn time_sk(at: OffsetDateTime, tiebreak: &str) -> String {
    format!("{:020}#{tiebreak}", at.unix_timestamp_nanos() / 1_000)
}

/// The lower bound of `time_sk` values strictly after `at`.
pub(crate) fn time_sk_after(at: OffsetDateTime) -> String {
    format!("{:020}#\u{10FFFF}", at.unix_timestamp_nanos() / 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn time_keys_sort_like_times() {
        let a = time_sk(datetime!(2024-05-01 10:00 UTC), "z");
        let b = time_sk(datetime!(2024-05-01 10:00:00.000001 UTC), "a");
        assert!(a < b);
        assert!(time_sk_after(datetime!(2024-05-01 10:00 UTC)) > a);
        assert!(time_sk_after(datetime!(2024-05-01 10:00 UTC)) < b);
    }

    #[test]
    fn every_partition_key_starts_with_the_app() {
        let app = AppId::parse("acme").unwrap();
        for pk in [
            binding_pk(&app, ObjectKind::Lead, Side::Jing),
            binding_count_pk(&app, ObjectKind::Lead),
            cursor_pk(&app),
            quota_pk(&app),
            parked_pk(&app),
            error_pk(&app),
            synced_pk(&app),
            conflict_pk(&app),
            journal_pk(&app, ObjectKind::Account, "x"),
            decision_pk(&app, ObjectKind::Lead, "x"),
        ] {
            assert!(pk.starts_with("acme#"), "{pk}");
        }
    }
}
