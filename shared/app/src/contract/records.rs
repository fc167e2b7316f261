//! Contract of [`ErrorStore`].

use super::fixtures::*;
use crate::ports::{ErrorRecord, ErrorStore, ListQuery};
use domain::ErrorCode::{AccountNotFound, InvalidPicklistValue, RemoteUnavailable, ValueTooLong};
use domain::ObjectKind::{Account, Lead, Member};
use domain::{AppId, Category, ObjectKind};

/// Record/bump/clear, filters, search, paging, newest-first order, counts, `seen_since`, and
/// isolation between apps.
pub async fn error_store(store: &dyn ErrorStore) {
    record_bumps_and_clear_removes(store).await;
    clear_all_removes_only_the_named_records(store).await;
    let a = app("errors-list");
    seed_errors(store, &a).await;
    errors_list_newest_first_with_filters(store, &a).await;
    errors_are_counted(store, &a).await;
    let since = store.seen_since(&a, at(30)).await.unwrap();
    let keys: Vec<&str> = since.iter().map(|r| r.record_key.as_str()).collect();
    assert_eq!(
        keys,
        vec!["K5", "K4"],
        "seen_since: strictly after `since`, newest first"
    );
    let other = app("errors-other");
    assert_eq!(
        store
            .list(&other, &ListQuery::default())
            .await
            .unwrap()
            .total,
        0,
        "app isolation"
    );
    assert!(
        store.count_by_category(&other).await.unwrap().is_empty(),
        "app isolation (counts)"
    );
    assert!(
        store.seen_since(&other, at(-1)).await.unwrap().is_empty(),
        "app isolation (since)"
    );
}

async fn clear_all_removes_only_the_named_records(store: &dyn ErrorStore) {
    let a = app("errors-clear-all");
    for key in ["K1", "K2", "K3"] {
        let rec = error_record(&a, Lead, key, "李四", ValueTooLong, at(0));
        store.record(&rec).await.unwrap();
    }
    let account = error_record(&a, Account, "K1", "Acme", ValueTooLong, at(0));
    store.record(&account).await.unwrap();
    // Names repeat and include records without errors: neither is a problem.
    let named = ["K1", "K3", "K3", "K9"].map(str::to_owned);
    store.clear_all(&a, Lead, &named).await.unwrap();
    store.clear_all(&a, Lead, &[]).await.unwrap();
    for (object, key, left) in [(Lead, "K1", false), (Lead, "K2", true), (Lead, "K3", false)] {
        let found = store.get(&a, object, key).await.unwrap();
        assert_eq!(found.is_some(), left, "clear_all: {object} {key}");
    }
    let other_object = store.get(&a, Account, "K1").await.unwrap();
    assert!(other_object.is_some(), "clear_all clears one object only");
}

async fn record_bumps_and_clear_removes(store: &dyn ErrorStore) {
    let a = app("errors-bump");
    let key = "00Q000000000001EAA";
    let get =
        |object: ObjectKind, app: AppId| async move { store.get(&app, object, key).await.unwrap() };
    let first = error_record(&a, Lead, key, "张三", ValueTooLong, at(0));
    store.record(&first).await.unwrap();
    let got = get(Lead, a.clone()).await;
    assert_eq!(
        got.as_ref(),
        Some(&first),
        "a first failure is stored as given, count 1"
    );
    let failed_with = super::fixtures::change(
        &a,
        domain::RecordRef::Salesforce(domain::SfId::parse(key).expect("valid id")),
        at(60),
        &[("LastName", "张三丰")],
    );
    let again = ErrorRecord {
        first_seen: at(60),
        change: Some(failed_with.clone()),
        ..error_record(&a, Lead, key, "张三丰", AccountNotFound, at(60))
    };
    store.record(&again).await.unwrap();
    let got = get(Lead, a.clone()).await.expect("still there");
    assert_eq!(got.count, 2, "a repeated failure bumps the count");
    assert_eq!(got.first_seen, at(0), "first_seen is kept");
    assert_eq!(got.last_seen, at(60), "last_seen moves");
    assert_eq!(
        got.error.code, AccountNotFound,
        "the latest error replaces the old one"
    );
    assert_eq!(got.name, "张三丰", "the latest name replaces the old one");
    assert_eq!(
        got.change.as_ref(),
        Some(&failed_with),
        "the change it failed with is kept for retry"
    );
    assert!(
        get(Account, a.clone()).await.is_none(),
        "errors are per object"
    );
    assert!(
        get(Lead, app("errors-bump2")).await.is_none(),
        "errors are per app"
    );
    store.clear(&a, Lead, key).await.unwrap();
    assert!(get(Lead, a.clone()).await.is_none(), "clear removes");
    store
        .clear(&a, Lead, key)
        .await
        .expect("clearing twice is fine");
    store.record(&again).await.unwrap();
    let fresh = get(Lead, a.clone()).await.expect("recorded again");
    assert_eq!(fresh.count, 1, "after a clear the count starts again");
}

/// K1..K5 seen at 10..50 s; K2 is also in another app.
async fn seed_errors(store: &dyn ErrorStore, a: &AppId) {
    let rows = [
        ("K1", Lead, "Alice Wang", ValueTooLong, 10),
        ("K3", Account, "北京 Acme", AccountNotFound, 30),
        ("K2", Lead, "Bob ZHANG", InvalidPicklistValue, 20),
        ("K5", Member, "zhang wei", RemoteUnavailable, 50),
        ("K4", Lead, "Carol", ValueTooLong, 40),
    ];
    for (key, object, name, code, secs) in rows {
        store
            .record(&error_record(a, object, key, name, code, at(secs)))
            .await
            .unwrap();
    }
    let b = app("errors-list-b");
    store
        .record(&error_record(
            &b,
            Lead,
            "K2",
            "Bob ZHANG",
            ValueTooLong,
            at(99),
        ))
        .await
        .unwrap();
}

async fn errors_list_newest_first_with_filters(store: &dyn ErrorStore, a: &AppId) {
    let value = Some(Category::Value);
    let cases: [(&str, ListQuery, &[&str], u64); 9] = [
        (
            "newest first",
            query("", None, None, 0, 0),
            &["K5", "K4", "K3", "K2", "K1"],
            5,
        ),
        (
            "offset/limit, total counts all",
            query("", None, None, 1, 2),
            &["K4", "K3"],
            5,
        ),
        (
            "a page past the end is empty",
            query("", None, None, 9, 2),
            &[],
            5,
        ),
        (
            "object filter",
            query("", Some(Lead), None, 0, 0),
            &["K4", "K2", "K1"],
            3,
        ),
        (
            "category filter",
            query("", None, value, 0, 0),
            &["K4", "K2", "K1"],
            3,
        ),
        (
            "case-insensitive name search",
            query("Zhang", None, None, 0, 0),
            &["K5", "K2"],
            2,
        ),
        (
            "search matches the record key",
            query("k3", None, None, 0, 0),
            &["K3"],
            1,
        ),
        (
            "search in Chinese names",
            query("北京", None, None, 0, 0),
            &["K3"],
            1,
        ),
        (
            "filters combine",
            query("zhang", Some(Lead), value, 0, 1),
            &["K2"],
            1,
        ),
    ];
    for (what, q, keys, total) in cases {
        let page = store.list(a, &q).await.unwrap();
        let got: Vec<&str> = page.items.iter().map(|r| r.record_key.as_str()).collect();
        assert_eq!(
            (got.as_slice(), page.total),
            (keys, total),
            "error list: {what}"
        );
    }
}

async fn errors_are_counted(store: &dyn ErrorStore, a: &AppId) {
    let by_category = store.count_by_category(a).await.unwrap();
    let expected = vec![
        (Category::Value, 3),
        (Category::Association, 1),
        (Category::Transient, 1),
    ];
    assert_eq!(
        by_category, expected,
        "count_by_category: non-zero counts in category order"
    );
    let by_object = store.count_by_object(a).await.unwrap();
    assert_eq!(
        by_object,
        vec![(Lead, 3), (Account, 1), (Member, 1)],
        "count_by_object"
    );
}
