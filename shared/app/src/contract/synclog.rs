//! Contract of [`SyncLog`].

use super::fixtures::*;
use crate::ports::{ListQuery, SyncLog};
use domain::ObjectKind::{Account, Lead};

/// Upsert per record, most recent first, filters, search, paging, counts, app isolation.
pub async fn sync_log(log: &dyn SyncLog) {
    record_all_writes_each_and_keeps_the_last(log).await;
    let (a, b) = (app("synclog-a"), app("synclog-b"));
    let rows = [
        ("L1", Lead, "王五", 10),
        ("A1", Account, "Acme 上海", 20),
        ("L2", Lead, "Li Lei", 30),
    ];
    for (key, object, name, secs) in rows {
        log.record(&synced(&a, object, key, name, at(secs)))
            .await
            .unwrap();
    }
    log.record(&synced(&b, Lead, "L9", "Other app", at(5)))
        .await
        .unwrap();
    // L1 syncs again: one row, now the most recent.
    log.record(&synced(&a, Lead, "L1", "王五", at(40)))
        .await
        .unwrap();
    let latest = log.list(&a, &ListQuery::default()).await.unwrap();
    assert_eq!(
        latest.items[0].synced_at,
        at(40),
        "the latest sync time is kept"
    );
    let cases: [(&str, ListQuery, &[&str], u64); 5] = [
        (
            "one row per record, newest first",
            query("", None, None, 0, 0),
            &["L1", "L2", "A1"],
            3,
        ),
        ("paging", query("", None, None, 2, 5), &["A1"], 3),
        (
            "object filter",
            query("", Some(Lead), None, 0, 0),
            &["L1", "L2"],
            2,
        ),
        (
            "search by name",
            query("上海", None, None, 0, 0),
            &["A1"],
            1,
        ),
        (
            "search by key, case-insensitive",
            query("l2", None, None, 0, 0),
            &["L2"],
            1,
        ),
    ];
    for (what, q, keys, total) in cases {
        let page = log.list(&a, &q).await.unwrap();
        let got: Vec<&str> = page.items.iter().map(|r| r.record_key.as_str()).collect();
        assert_eq!(
            (got.as_slice(), page.total),
            (keys, total),
            "sync log: {what}"
        );
    }
    let counts = log.count_by_object(&a).await.unwrap();
    assert_eq!(counts, vec![(Lead, 2), (Account, 1)], "counts");
    let other = log.count_by_object(&b).await.unwrap();
    assert_eq!(other, vec![(Lead, 1)], "app isolation (counts)");
    let b_page = log.list(&b, &ListQuery::default()).await.unwrap();
    assert_eq!(b_page.total, 1, "app isolation (list)");
}

async fn record_all_writes_each_and_keeps_the_last(log: &dyn SyncLog) {
    let a = app("synclog-all");
    let mut batch: Vec<_> = (0..30)
        .map(|i| synced(&a, Lead, &format!("L{i:02}"), "王五", at(i)))
        .collect();
    // One record twice in a batch: the later entry wins.
    batch.push(synced(&a, Lead, "L00", "王五", at(100)));
    log.record_all(&batch).await.unwrap();
    log.record_all(&[]).await.unwrap();
    let page = log.list(&a, &ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 30, "one row per record of the batch");
    assert_eq!(page.items[0].record_key, "L00");
    assert_eq!(page.items[0].synced_at, at(100), "the later entry wins");
}
