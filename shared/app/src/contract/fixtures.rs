//! Test data the suites (and adapter tests) build records from.

use crate::ports::{Binding, ErrorRecord, ListQuery, SyncedRecord};
use domain::fingerprint::Fingerprint;
use domain::{
    AppId, Category, Change, ErrorCode, JingId, ObjectKind, RecordRef, SfId, SyncError, Value,
};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::macros::datetime;

/// A fixed instant the suites count from.
pub const T0: OffsetDateTime = datetime!(2024-05-01 10:00 UTC);

/// `T0` plus whole seconds.
pub fn at(secs: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(secs)
}

pub fn app(name: &str) -> AppId {
    AppId::parse(name).expect("suite app ids are valid")
}

/// The `n`th Salesforce id with a key prefix (`00Q` lead, `001` account, ...).
pub fn sf_id(prefix: &str, n: u64) -> SfId {
    SfId::parse(&format!("{prefix}{n:012}")).expect("suite Salesforce ids are valid")
}

pub fn jing_id(n: u64) -> JingId {
    JingId::parse(&format!("jg{n:06}X")).expect("suite JING ids are valid")
}

/// A binding with a few typed values, so adapters must round-trip every `Value` variant.
pub fn binding(app: &AppId, object: ObjectKind, sf: &SfId, jing: &JingId, version: u64) -> Binding {
    let last_synced: BTreeMap<String, Value> = [
        ("LastName".to_owned(), Value::text("张三")),
        ("NumberOfEmployees".to_owned(), Value::Number(42.5)),
        ("HasOptedOutOfEmail".to_owned(), Value::Bool(true)),
        (
            "Interests__c".to_owned(),
            Value::Multi(vec!["云".into(), "AI".into()]),
        ),
        (
            "Birthdate__c".to_owned(),
            Value::Date(time::macros::date!(1990 - 02 - 03)),
        ),
        (
            "Seen__c".to_owned(),
            Value::DateTime(datetime!(2024-04-30 08:15:30.123 +08:00)),
        ),
        ("Fax".to_owned(), Value::Empty),
    ]
    .into_iter()
    .collect();
    Binding {
        app: app.clone(),
        object,
        sf_id: sf.clone(),
        jing_id: jing.clone(),
        version,
        last_synced,
        sf_written: Some(Fingerprint(0xdead_beef_0000_0001)),
        jing_written: None,
        synced_at: at(version as i64),
        last_origin: Some(domain::Side::Jing),
        source_time: Some(datetime!(2024-04-30 23:59:59.999 UTC)),
        field_sync: [(
            "Email".to_owned(),
            domain::plan::FieldSync {
                origin: domain::Side::Jing,
                source_time: datetime!(2024-04-30 23:59:59.999 UTC),
                synced_at: at(version as i64),
            },
        )]
        .into(),
        views: [(
            "Email".to_owned(),
            domain::plan::FieldViews {
                salesforce: Some(domain::plan::SideView::written(
                    Some(domain::Value::text("a@b.cn")),
                    at(version as i64),
                    Some(domain::Value::Empty),
                )),
                jing: None,
            },
        )]
        .into(),
        converted_to: None,
        name: format!("张三 {sf}"),
    }
}

/// A live upsert of a lead from JING with the given text fields.
pub fn change(
    app: &AppId,
    record: RecordRef,
    at: OffsetDateTime,
    fields: &[(&str, &str)],
) -> Change {
    Change::upsert(
        app.clone(),
        ObjectKind::Lead,
        record,
        at,
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::text(*v))),
    )
}

pub fn error_record(
    app: &AppId,
    object: ObjectKind,
    key: &str,
    name: &str,
    code: ErrorCode,
    seen: OffsetDateTime,
) -> ErrorRecord {
    ErrorRecord {
        app: app.clone(),
        object,
        record_key: key.to_owned(),
        name: name.to_owned(),
        error: SyncError::new(code).field("Phone").detail("max 40"),
        count: 1,
        first_seen: seen,
        last_seen: seen,
        change: None,
    }
}

pub fn synced(
    app: &AppId,
    object: ObjectKind,
    key: &str,
    name: &str,
    when: OffsetDateTime,
) -> SyncedRecord {
    SyncedRecord {
        app: app.clone(),
        object,
        record_key: key.to_owned(),
        name: name.to_owned(),
        synced_at: when,
    }
}

/// A listing query: search text ("" = none), object and category filters, offset, limit.
pub fn query(
    search: &str,
    object: Option<ObjectKind>,
    category: Option<Category>,
    offset: u64,
    limit: u64,
) -> ListQuery {
    let search = (!search.is_empty()).then(|| search.to_owned());
    ListQuery {
        search,
        object,
        category,
        offset,
        limit,
    }
}
