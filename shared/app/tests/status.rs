//! Status read models on the fakes with a fixed clock: overview counts, failure paging and
//! search, the detail view, root-cause grouping, and retry through the writer.

use async_trait::async_trait;
use domain::{
    Actor, AppId, Category, Change, Direction, ErrorCode, FieldChange, JingId, Lane, ObjectKind,
    Operation, RecordRef, SfId, SyncError, Value,
};
use jingsf_app::fake_remote::{FakeJing, FakeSalesforce};
use jingsf_app::fakes::{Fakes, FixedClock};
use jingsf_app::ports::*;
use jingsf_app::settings::{AppSettings, AuthorizedAccount, Environment, Pause};
use jingsf_app::status::*;
use jingsf_app::write;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::date;

fn app() -> AppId {
    AppId::parse("acme").unwrap()
}

fn deps(f: &Fakes) -> StatusDeps<'_> {
    StatusDeps {
        errors: &f.errors,
        synced: &f.sync_log,
        ledger: &f.ledger,
        bindings: &f.bindings,
        quota: &f.quota,
        parked: &f.parked,
        settings: &f.settings,
        cursors: &f.cursors,
        queue: &f.queue,
    }
}

fn t(minutes: u64) -> OffsetDateTime {
    FixedClock::DEFAULT_START + Duration::from_secs(60 * minutes)
}

fn error(object: ObjectKind, key: &str, name: &str, e: SyncError, minute: u64) -> ErrorRecord {
    ErrorRecord {
        app: app(),
        object,
        record_key: key.into(),
        name: name.into(),
        error: e,
        count: 1,
        first_seen: t(minute),
        last_seen: t(minute),
        change: None,
    }
}

fn no_industry() -> SyncError {
    SyncError::new(ErrorCode::FieldNotAccessible)
        .field("Industry__c")
        .object("Lead")
}

fn synced(object: ObjectKind, key: &str, name: &str, minute: u64) -> SyncedRecord {
    SyncedRecord {
        app: app(),
        object,
        record_key: key.into(),
        name: name.into(),
        synced_at: t(minute),
    }
}

async fn stored_settings(f: &Fakes) -> AppSettings {
    let mut s = AppSettings::new(app(), "Acme", Environment::Production, "jing-app", "t1");
    s.revision = 1;
    s.paused.push(Pause {
        object: ObjectKind::Account,
        direction: Direction::JingToSf,
        reason: SyncError::new(ErrorCode::CircuitOpen),
    });
    s.authorized = Some(AuthorizedAccount {
        username: "admin@acme.example".into(),
        user_id: SfId::parse("005000000000001").unwrap(),
        org_id: SfId::parse("00D000000000001").unwrap(),
        instance_url: "https://acme.my.salesforce.com".into(),
        at: t(0),
    });
    f.settings.put(&s).await.unwrap();
    s
}

#[tokio::test]
async fn overview_counts_successes_failures_categories_usage_and_state() {
    let f = Fakes::new();
    stored_settings(&f).await;
    for (i, kind) in [
        ObjectKind::Lead,
        ObjectKind::Lead,
        ObjectKind::Lead,
        ObjectKind::Account,
        ObjectKind::Account,
    ]
    .into_iter()
    .enumerate()
    {
        f.sync_log
            .record(&synced(kind, &format!("k{i}"), "n", i as u64))
            .await
            .unwrap();
    }
    f.errors
        .record(&error(ObjectKind::Lead, "e1", "甲", no_industry(), 1))
        .await
        .unwrap();
    f.errors
        .record(&error(ObjectKind::Lead, "e2", "乙", no_industry(), 2))
        .await
        .unwrap();
    let long = SyncError::new(ErrorCode::ValueTooLong).field("Name");
    f.errors
        .record(&error(ObjectKind::Account, "e3", "丙", long, 3))
        .await
        .unwrap();
    let quota = SyncError::new(ErrorCode::OrgLimitExceeded);
    f.errors
        .record(&error(ObjectKind::Account, "e4", "丁", quota, 4))
        .await
        .unwrap();
    f.quota
        .reserve(&app(), date!(2024 - 05 - 01), 750, 15_000)
        .await
        .unwrap();
    let member = Binding::new(
        app(),
        ObjectKind::Member,
        SfId::parse("005000000000002").unwrap(),
        JingId::parse("emp1").unwrap(),
        t(0),
    );
    f.bindings.put(&member, None).await.unwrap();

    let o = overview(&deps(&f), &app(), f.clock.now()).await.unwrap();

    assert_eq!(
        (
            o.success_counts.all,
            o.success_counts.lead,
            o.success_counts.account
        ),
        (5, 3, 2)
    );
    assert_eq!(
        (
            o.failure_counts.all,
            o.failure_counts.lead,
            o.failure_counts.account
        ),
        (4, 2, 2)
    );
    let by_cat: Vec<(Category, u64)> = o
        .errors_by_category
        .iter()
        .map(|c| (c.category, c.count))
        .collect();
    assert_eq!(
        by_cat,
        vec![
            (Category::ApiPermission, 2),
            (Category::Mapping, 0),
            (Category::Value, 1),
            (Category::Association, 0),
            (Category::Quota, 1),
        ]
    );
    assert_eq!(o.errors_by_category[0].label_zh, "API 权限错误");
    assert_eq!(o.errors_by_category[0].label_en, "API permission error");
    assert_eq!(
        (o.usage.used, o.usage.allocated, o.usage.pct),
        (750, 15_000, 5.0)
    );
    assert_eq!(o.members_bound, 1);
    assert_eq!(o.paused.len(), 1);
    assert_eq!(o.authorized.unwrap().username, "admin@acme.example");
    assert_eq!(o.name, "Acme");

    let unknown = AppId::parse("ghost").unwrap();
    assert_eq!(
        overview(&deps(&f), &unknown, f.clock.now())
            .await
            .unwrap_err(),
        StatusError::UnknownApp(unknown)
    );
}

#[tokio::test]
async fn failures_page_newest_first_and_search_by_name_or_id() {
    let f = Fakes::new();
    for i in 0..25u64 {
        let kind = if i % 5 == 0 {
            ObjectKind::Account
        } else {
            ObjectKind::Lead
        };
        let e = if i % 2 == 0 {
            no_industry()
        } else {
            SyncError::new(ErrorCode::RequiredValueMissing).field("Company")
        };
        f.errors
            .record(&error(
                kind,
                &format!("key{i:02}"),
                &format!("线索 {i}"),
                e,
                i,
            ))
            .await
            .unwrap();
    }
    // A second failure of one record bumps its count.
    f.errors
        .record(&error(
            ObjectKind::Lead,
            "key03",
            "线索 3",
            no_industry(),
            30,
        ))
        .await
        .unwrap();

    let page = failures(
        &deps(&f),
        &app(),
        &ListQuery {
            offset: 10,
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 25);
    assert_eq!(page.items.len(), 10);
    let first = failures(
        &deps(&f),
        &app(),
        &ListQuery {
            limit: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.items[0].record_key, "key03", "newest failure first");
    assert_eq!(first.items[0].error_count, 2);
    assert_eq!(first.items[0].category, Category::ApiPermission);
    assert_eq!(first.items[1].name, "线索 24");

    let search = |s: &str| ListQuery {
        search: Some(s.into()),
        ..Default::default()
    };
    let ones = failures(&deps(&f), &app(), &search("线索 1"))
        .await
        .unwrap();
    assert_eq!(ones.total, 11, "1 and 10..19");
    let by_key = failures(&deps(&f), &app(), &search("KEY07")).await.unwrap();
    assert_eq!(by_key.items.len(), 1);
    let accounts = failures(
        &deps(&f),
        &app(),
        &ListQuery {
            object: Some(ObjectKind::Account),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(accounts.total, 5);
    let values = failures(
        &deps(&f),
        &app(),
        &ListQuery {
            category: Some(Category::Value),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        values.total, 11,
        "odd keys except 03, which now fails on permissions"
    );
    assert!(
        values
            .items
            .iter()
            .all(|r| r.code == ErrorCode::RequiredValueMissing)
    );
}

#[tokio::test]
async fn root_causes_group_records_by_code_field_and_object() {
    let f = Fakes::new();
    for i in 0..12u64 {
        f.errors
            .record(&error(
                ObjectKind::Lead,
                &format!("L{i}"),
                &format!("线索{i}"),
                no_industry(),
                i,
            ))
            .await
            .unwrap();
    }
    for (i, value) in ["A", "B", "A"].into_iter().enumerate() {
        let e = SyncError::new(ErrorCode::InvalidPicklistValue)
            .field("Status")
            .object("Lead")
            .detail(value);
        f.errors
            .record(&error(ObjectKind::Lead, &format!("P{i}"), "p", e, 20))
            .await
            .unwrap();
    }
    let long = SyncError::new(ErrorCode::ValueTooLong)
        .field("Name")
        .object("Account")
        .detail("max length=255");
    f.errors
        .record(&error(ObjectKind::Account, "A1", "长名字公司", long, 21))
        .await
        .unwrap();
    // Same code and field on another object is another root cause.
    let other = SyncError::new(ErrorCode::FieldNotAccessible)
        .field("Industry__c")
        .object("Account");
    f.errors
        .record(&error(ObjectKind::Account, "A2", "x", other, 22))
        .await
        .unwrap();

    let causes = errors_by_root_cause(&deps(&f), &app()).await.unwrap();
    assert_eq!(causes.len(), 4);
    let top = &causes[0];
    assert_eq!(
        (
            top.code,
            top.field.as_deref(),
            top.object.as_str(),
            top.count
        ),
        (
            ErrorCode::FieldNotAccessible,
            Some("Industry__c"),
            "Lead",
            12
        )
    );
    assert_eq!(top.samples.len(), 5);
    assert_eq!(top.samples[0].name, "线索11", "newest first");
    assert!(
        top.cause_en.contains("Lead.Industry__c"),
        "{}",
        top.cause_en
    );
    assert!(top.cause_zh.contains("Industry__c") && top.cause_zh.contains("不可见"));
    assert!(top.fix_en.contains("field-level security"));
    assert!(!top.fix_zh.is_empty());

    let picklist = &causes[1];
    assert_eq!(
        (picklist.code, picklist.count),
        (ErrorCode::InvalidPicklistValue, 3)
    );
    assert!(
        picklist.cause_en.starts_with("various values"),
        "{}",
        picklist.cause_en
    );
    assert!(picklist.cause_zh.contains("多个不同的值"));
    let long = causes
        .iter()
        .find(|c| c.code == ErrorCode::ValueTooLong)
        .unwrap();
    assert!(
        long.cause_en.contains("max length=255"),
        "one shared detail is shown"
    );
}

#[tokio::test]
async fn record_detail_has_cause_and_fix_in_both_languages_and_the_journal() {
    let f = Fakes::new();
    f.errors
        .record(&error(ObjectKind::Lead, "L1", "张三", no_industry(), 1))
        .await
        .unwrap();
    let entry = JournalEntry {
        app: app(),
        object: ObjectKind::Lead,
        record_key: "L1".into(),
        direction: Direction::JingToSf,
        before: Default::default(),
        after: [("LastName".to_owned(), Value::text("张三"))].into(),
        at: t(0),
    };
    f.ledger
        .journal(std::slice::from_ref(&entry))
        .await
        .unwrap();
    let d = record_errors(&deps(&f), &app(), ObjectKind::Lead, "L1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.error.name, "张三");
    assert_eq!(d.label_zh, "API 权限错误");
    assert!(d.cause_en.contains("Lead.Industry__c"));
    assert!(d.cause_zh.contains("Lead.Industry__c"));
    assert!(d.fix_zh.contains("字段级安全性"));
    assert!(d.fix_en.contains("field-level security"));
    assert_eq!(d.journal, vec![entry]);
    assert_eq!(
        record_errors(&deps(&f), &app(), ObjectKind::Account, "L1")
            .await
            .unwrap(),
        None
    );
}

/// Stands in for the `ErrorRecord::change` field this design needs (see `status::retry`).
#[derive(Default)]
struct KeptChanges(Mutex<HashMap<String, Change>>);

#[async_trait]
impl FailedChanges for KeptChanges {
    async fn failed_change(&self, err: &ErrorRecord) -> StoreResult<Option<Change>> {
        Ok(self.0.lock().unwrap().get(&err.record_key).cloned())
    }
}

fn jing_lead(id: &str) -> Change {
    let fields = [
        ("name", "张三"),
        ("company_id", "径硕科技"),
        ("mobile", "13800138000"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_owned(),
            FieldChange {
                before: None,
                after: Value::text(v),
            },
        )
    })
    .collect();
    Change {
        v: 1,
        app: app(),
        object: ObjectKind::Lead,
        record: RecordRef::Jing(JingId::parse(id).unwrap()),
        op: Operation::Upsert,
        source_time: t(1),
        actor: Actor::Human(None),
        lane: Lane::Live,
        fields,
    }
}

#[tokio::test]
async fn retry_replays_the_failed_change_and_the_error_clears_when_it_syncs() {
    let f = Fakes::new();
    let settings = stored_settings(&f).await;
    let sf = FakeSalesforce::new();
    let jing = FakeJing::new();
    let wdeps = write::Deps {
        bindings: &f.bindings,
        errors: &f.errors,
        synced: &f.sync_log,
        ledger: &f.ledger,
        decisions: &f.decisions,
        quota: &f.quota,
        parked: &f.parked,
        claims: &f.claims,
        settings: &f.settings,
        sf: &sf,
        jing: &jing,
        clock: &f.clock,
        staging: None,
    };
    let change = jing_lead("L1");
    // The permission is missing: the Salesforce call is refused.
    sf.fail_next(no_industry());
    let r = write::apply(&wdeps, &settings, vec![change.clone()]).await;
    assert!(
        matches!(r.outcomes[0], write::Outcome::Failed(_)),
        "{:?}",
        r.outcomes
    );
    assert!(
        f.errors
            .get(&app(), ObjectKind::Lead, "L1")
            .await
            .unwrap()
            .is_some()
    );
    let kept = KeptChanges::default();
    kept.0.lock().unwrap().insert("L1".into(), change.clone());
    let lost = SyncError::new(ErrorCode::BadReference);
    f.errors
        .record(&error(ObjectKind::Lead, "L2", "无变更", lost, 2))
        .await
        .unwrap();

    // The admin fixed the permission, then retries.
    let keys = vec![
        "L1".to_owned(),
        "L1".to_owned(),
        "L2".to_owned(),
        "never".to_owned(),
    ];
    let report = retry(&deps(&f), &kept, &app(), ObjectKind::Lead, &keys)
        .await
        .unwrap();
    assert_eq!(report.requeued, vec!["L1".to_owned()]);
    assert_eq!(report.no_change, vec!["L2".to_owned()]);
    assert_eq!(report.not_failing, vec!["never".to_owned()]);

    let got = f.queue.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1, "requested twice, queued once");
    assert_eq!(got[0].change, change);
    let r = write::apply(&wdeps, &settings, vec![got[0].change.clone()]).await;
    assert_eq!(r.outcomes, vec![write::Outcome::Applied]);
    assert_eq!(
        f.errors.get(&app(), ObjectKind::Lead, "L1").await.unwrap(),
        None
    );
    assert_eq!(sf.count("Lead"), 1);
}

#[tokio::test]
async fn record_link_resolves_both_ids_and_the_salesforce_url() {
    let f = Fakes::new();
    stored_settings(&f).await;
    let sf = SfId::parse("00Q000000000007").unwrap();
    let jing = JingId::parse("NttdW4NoJfD2cX6f7rg52f").unwrap();
    let b = Binding::new(app(), ObjectKind::Lead, sf.clone(), jing.clone(), t(0));
    f.bindings.put(&b, None).await.unwrap();
    let url = format!("https://acme.my.salesforce.com/lightning/r/Lead/{sf}/view");

    let from_sf = record_link(&deps(&f), &app(), ObjectKind::Lead, sf.as_str())
        .await
        .unwrap();
    assert_eq!(from_sf.jing_id, Some(jing.clone()));
    assert_eq!(from_sf.sf_url.as_deref(), Some(url.as_str()));
    let from_jing = record_link(&deps(&f), &app(), ObjectKind::Lead, jing.as_str())
        .await
        .unwrap();
    assert_eq!(from_jing.sf_id, Some(sf));
    assert_eq!(from_jing.sf_url.as_deref(), Some(url.as_str()));
    let unbound = record_link(&deps(&f), &app(), ObjectKind::Lead, "J-new")
        .await
        .unwrap();
    assert_eq!((unbound.sf_id, unbound.sf_url), (None, None));
    assert_eq!(
        record_link(&deps(&f), &app(), ObjectKind::Lead, "not a key")
            .await
            .unwrap_err(),
        StatusError::InvalidKey("not a key".into())
    );
}

#[tokio::test]
async fn retry_of_a_root_cause_requeues_exactly_its_records() {
    let f = Fakes::new();
    let kept = KeptChanges::default();
    for id in ["A1", "A2", "A3", "B1"] {
        let e = if id.starts_with('A') {
            no_industry()
        } else {
            SyncError::new(ErrorCode::AccountNotFound)
        };
        f.errors
            .record(&error(ObjectKind::Lead, id, id, e, 1))
            .await
            .unwrap();
        kept.0.lock().unwrap().insert(id.into(), jing_lead(id));
    }
    let r = retry_root_cause(
        &deps(&f),
        &kept,
        &app(),
        ErrorCode::FieldNotAccessible,
        Some("Industry__c"),
        "Lead",
    )
    .await
    .unwrap();
    assert_eq!(r.requeued, vec!["A1", "A2", "A3"]);
    let got = f.queue.receive(10, Duration::from_secs(30)).await.unwrap();
    let mut keys: Vec<&str> = got.iter().map(|d| d.change.record.as_str()).collect();
    keys.sort();
    assert_eq!(keys, vec!["A1", "A2", "A3"]);
}

#[tokio::test]
async fn conflicts_list_both_values_and_the_winner_newest_first() {
    let f = Fakes::new();
    for (minute, key) in [(1, "L1"), (5, "L2")] {
        let c = ConflictEntry {
            app: app(),
            object: ObjectKind::Lead,
            record_key: key.into(),
            field: "Title".into(),
            conflict: domain::rules::Conflict {
                incoming: Value::text("CEO"),
                target: Value::text("CTO"),
                winner: domain::Side::Jing,
            },
            at: t(minute),
        };
        f.ledger.add_conflict(&c).await.unwrap();
    }
    let q = ListQuery {
        limit: 1,
        ..Default::default()
    };
    let page = conflicts(&deps(&f), &app(), &q).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].record_key, "L2");
    assert_eq!(page.items[0].conflict.winner, domain::Side::Jing);
}
