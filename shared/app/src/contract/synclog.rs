//! Contract of [`SyncLog`].

use super::fixtures::*;
use super::records::svec;
use crate::ports::{ListQuery, SyncLog};
use domain::ObjectKind::{Account, Lead};

/// Upsert per record, most recent first, filters, search, paging, counts, app isolation.
pub async fn sync_log(log: &dyn SyncLog) {
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
    let a_ref = &a;
    let keys = |q: ListQuery| async move {
        let page = log.list(a_ref, &q).await.unwrap();
        (
            page.items
                .into_iter()
                .map(|r| r.record_key)
                .collect::<Vec<_>>(),
            page.total,
        )
    };
    let all = ListQuery::default();
    assert_eq!(
        keys(all.clone()).await,
        (svec(&["L1", "L2", "A1"]), 3),
        "one row per record, newest first"
    );
    let page = log.list(&a, &all).await.unwrap();
    assert_eq!(
        page.items[0].synced_at,
        at(40),
        "the latest sync time is kept"
    );
    let paged = ListQuery {
        offset: 2,
        limit: 5,
        ..all.clone()
    };
    assert_eq!(keys(paged).await, (svec(&["A1"]), 3), "paging");
    let leads = ListQuery {
        object: Some(Lead),
        ..all.clone()
    };
    assert_eq!(keys(leads).await, (svec(&["L1", "L2"]), 2), "object filter");
    let search = ListQuery {
        search: Some("上海".into()),
        ..all.clone()
    };
    assert_eq!(keys(search).await, (svec(&["A1"]), 1), "search by name");
    let by_key = ListQuery {
        search: Some("l2".into()),
        ..all
    };
    assert_eq!(
        keys(by_key).await,
        (svec(&["L2"]), 1),
        "search by key, case-insensitive"
    );
    assert_eq!(
        log.count_by_object(&a).await.unwrap(),
        vec![(Lead, 2), (Account, 1)],
        "counts"
    );
    assert_eq!(
        log.count_by_object(&b).await.unwrap(),
        vec![(Lead, 1)],
        "app isolation"
    );
    let b_page = log.list(&b, &ListQuery::default()).await.unwrap();
    assert_eq!(b_page.total, 1, "app isolation (list)");
}
