//! Contract of [`BindingStore`].

use super::fixtures::*;
use super::join_all;
use crate::ports::{BindingStore, StoreError};
use domain::ObjectKind::{Account, Lead};
use std::future::Future;
use std::pin::Pin;

/// Conditional insert, version-checked replace, lookups from both sides, removal, counting,
/// listing order and paging, and isolation between apps and objects.
pub async fn binding_store(store: &dyn BindingStore) {
    insert_is_conditional_on_both_ids(store).await;
    by_records_reads_many_in_order(store).await;
    put_each_fails_each_write_alone(store).await;
    replace_is_version_checked(store).await;
    remove_frees_both_ids(store).await;
    list_pages_in_sf_id_order(store).await;
    apps_and_objects_are_isolated(store).await;
    racing_inserts_bind_a_record_once(store).await;
}

async fn by_records_reads_many_in_order(store: &dyn BindingStore) {
    use domain::RecordRef;
    let a = app("bind-many");
    let mut bound = Vec::new();
    for i in 0..120 {
        let b = binding(&a, Lead, &sf_id("00Q", i), &jing_id(i), 1);
        store.put(&b, None).await.unwrap();
        bound.push(b);
    }
    // Both sides, unbound ids, a repeat, and more than one request's worth (DynamoDB: 100).
    let mut asked = vec![
        RecordRef::Jing(jing_id(5)),
        RecordRef::Salesforce(sf_id("00Q", 7)),
        RecordRef::Jing(jing_id(999)),
        RecordRef::Salesforce(sf_id("00Q", 5)),
        RecordRef::Jing(jing_id(5)),
    ];
    asked.extend((10..120).map(|i| RecordRef::Salesforce(sf_id("00Q", i))));
    let found = store.by_records(&a, Lead, &asked).await.unwrap();
    assert_eq!(found.len(), asked.len(), "one answer per record asked");
    assert_eq!(found[0].as_ref(), Some(&bound[5]));
    assert_eq!(found[1].as_ref(), Some(&bound[7]));
    assert_eq!(found[2], None, "an unbound id");
    assert_eq!(found[3].as_ref(), Some(&bound[5]));
    assert_eq!(found[4].as_ref(), Some(&bound[5]), "a repeat answers twice");
    for (i, b) in found[5..].iter().enumerate() {
        assert_eq!(b.as_ref(), Some(&bound[i + 10]));
    }
    let other = store.by_records(&a, Account, &asked[..2]).await.unwrap();
    assert_eq!(
        other,
        vec![None, None],
        "another object's bindings are not found"
    );
    assert!(store.by_records(&a, Lead, &[]).await.unwrap().is_empty());
}

async fn put_each_fails_each_write_alone(store: &dyn BindingStore) {
    let a = app("bind-each");
    let first = binding(&a, Lead, &sf_id("00Q", 1), &jing_id(1), 1);
    store.put(&first, None).await.unwrap();
    let mut newer = first.clone();
    newer.version = 2;
    let mut stale = first.clone();
    stale.version = 3;
    let writes = vec![
        (binding(&a, Lead, &sf_id("00Q", 2), &jing_id(2), 1), None),
        // The JING id is bound already: this insert fails, the others stand.
        (binding(&a, Lead, &sf_id("00Q", 3), &jing_id(1), 1), None),
        (newer.clone(), Some(1)),
        // Replaces version 1, which the previous write replaced.
        (stale, Some(1)),
        (binding(&a, Lead, &sf_id("00Q", 4), &jing_id(4), 1), None),
    ];
    let results = store.put_each(&writes).await;
    assert_eq!(results.len(), writes.len(), "one result per write");
    assert!(results[0].is_ok() && results[2].is_ok() && results[4].is_ok());
    assert!(
        matches!(results[1], Err(StoreError::Conflict(_))),
        "{results:?}"
    );
    assert!(
        matches!(results[3], Err(StoreError::Conflict(_))),
        "{results:?}"
    );
    let mut found = Vec::new();
    for i in 1..=4 {
        found.push(store.by_sf(&a, Lead, &sf_id("00Q", i)).await.unwrap());
    }
    assert_eq!(found[0], Some(newer));
    assert_eq!(found[1], Some(writes[0].0.clone()));
    assert_eq!(found[2], None, "the failed insert left nothing");
    assert_eq!(found[3], Some(writes[4].0.clone()));
    assert!(store.put_each(&[]).await.is_empty());
}

async fn insert_is_conditional_on_both_ids(store: &dyn BindingStore) {
    let a = app("bind-insert");
    let b = binding(&a, Lead, &sf_id("00Q", 1), &jing_id(1), 1);
    store
        .put(&b, None)
        .await
        .expect("first insert of a binding succeeds");
    let by_sf = store.by_sf(&a, Lead, &b.sf_id).await.unwrap();
    assert_eq!(
        by_sf.as_ref(),
        Some(&b),
        "by_sf returns the binding exactly as written"
    );
    let by_jing = store.by_jing(&a, Lead, &b.jing_id).await.unwrap();
    assert_eq!(
        by_jing.as_ref(),
        Some(&b),
        "by_jing returns the binding exactly as written"
    );

    let same_sf = binding(&a, Lead, &b.sf_id, &jing_id(2), 1);
    assert_conflict(
        store.put(&same_sf, None).await,
        "insert of an already bound Salesforce id",
    );
    let same_jing = binding(&a, Lead, &sf_id("00Q", 2), &b.jing_id, 1);
    assert_conflict(
        store.put(&same_jing, None).await,
        "insert of an already bound JING id",
    );
    assert!(
        store
            .by_jing(&a, Lead, &jing_id(2))
            .await
            .unwrap()
            .is_none(),
        "a refused insert leaves no trace"
    );
    assert_eq!(
        store.count(&a, Lead).await.unwrap(),
        1,
        "refused inserts are not counted"
    );
    // A 15-character id is the same record as its 18-character form.
    let short = domain::SfId::parse(b.sf_id.id15()).unwrap();
    assert_eq!(
        store.by_sf(&a, Lead, &short).await.unwrap().as_ref(),
        Some(&b)
    );
}

async fn replace_is_version_checked(store: &dyn BindingStore) {
    let a = app("bind-replace");
    let v1 = binding(&a, Lead, &sf_id("00Q", 1), &jing_id(1), 1);
    store.put(&v1, None).await.unwrap();
    let mut v2 = binding(&a, Lead, &v1.sf_id, &v1.jing_id, 2);
    v2.converted_to = Some(sf_id("006", 9));
    v2.last_synced
        .insert("Company".into(), domain::Value::text("京东"));
    assert_conflict(
        store.put(&v2, Some(7)).await,
        "replace naming a version that is not stored",
    );
    store
        .put(&v2, Some(1))
        .await
        .expect("replace naming the stored version succeeds");
    assert_eq!(
        store.by_sf(&a, Lead, &v1.sf_id).await.unwrap(),
        Some(v2.clone())
    );
    assert_conflict(
        store.put(&v2, Some(1)).await,
        "a second writer with the old version",
    );
    let missing = binding(&a, Lead, &sf_id("00Q", 5), &jing_id(5), 2);
    assert_conflict(
        store.put(&missing, Some(1)).await,
        "replace of a binding that does not exist",
    );
    assert!(
        store
            .by_sf(&a, Lead, &missing.sf_id)
            .await
            .unwrap()
            .is_none()
    );

    // Re-pointing to another JING id frees the old one and refuses a JING id bound elsewhere.
    let other = binding(&a, Lead, &sf_id("00Q", 2), &jing_id(2), 1);
    store.put(&other, None).await.unwrap();
    let steal = binding(&a, Lead, &v1.sf_id, &jing_id(2), 3);
    assert_conflict(
        store.put(&steal, Some(2)).await,
        "replace onto a JING id bound elsewhere",
    );
    let repoint = binding(&a, Lead, &v1.sf_id, &jing_id(3), 3);
    store
        .put(&repoint, Some(2))
        .await
        .expect("re-pointing to a free JING id succeeds");
    assert!(
        store
            .by_jing(&a, Lead, &jing_id(1))
            .await
            .unwrap()
            .is_none(),
        "old JING id freed"
    );
    let found = store.by_jing(&a, Lead, &jing_id(3)).await.unwrap();
    assert_eq!(
        found.map(|b| b.version),
        Some(3),
        "new JING id finds the binding"
    );
}

async fn remove_frees_both_ids(store: &dyn BindingStore) {
    let a = app("bind-remove");
    let b = binding(&a, Account, &sf_id("001", 1), &jing_id(1), 1);
    store.put(&b, None).await.unwrap();
    store.remove(&a, Account, &b.sf_id).await.unwrap();
    assert!(
        store.by_sf(&a, Account, &b.sf_id).await.unwrap().is_none(),
        "removed by_sf"
    );
    assert!(
        store
            .by_jing(&a, Account, &b.jing_id)
            .await
            .unwrap()
            .is_none(),
        "removed by_jing"
    );
    assert_eq!(store.count(&a, Account).await.unwrap(), 0);
    store
        .remove(&a, Account, &b.sf_id)
        .await
        .expect("removing twice is not an error");
    store
        .put(&b, None)
        .await
        .expect("both ids can be bound again after removal");
}

async fn list_pages_in_sf_id_order(store: &dyn BindingStore) {
    let a = app("bind-list");
    // Written out of order; listing is by Salesforce id.
    for n in [7u64, 3, 9, 1, 5, 2, 8] {
        store
            .put(&binding(&a, Lead, &sf_id("00Q", n), &jing_id(n), 1), None)
            .await
            .unwrap();
    }
    assert_eq!(store.count(&a, Lead).await.unwrap(), 7);
    let first = store.list(&a, Lead, None, 3).await.unwrap();
    let ids =
        |page: &[crate::ports::Binding]| page.iter().map(|b| b.jing_id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&first),
        vec![jing_id(1), jing_id(2), jing_id(3)],
        "first page in id order"
    );
    let second = store
        .list(&a, Lead, Some(&first[2].sf_id), 3)
        .await
        .unwrap();
    assert_eq!(
        ids(&second),
        vec![jing_id(5), jing_id(7), jing_id(8)],
        "page after a cursor"
    );
    let last = store
        .list(&a, Lead, Some(&second[2].sf_id), 3)
        .await
        .unwrap();
    assert_eq!(ids(&last), vec![jing_id(9)], "last page is short");
    assert!(
        store
            .list(&a, Lead, Some(&last[0].sf_id), 3)
            .await
            .unwrap()
            .is_empty()
    );
    // A cursor need not be a bound id.
    let from_gap = store
        .list(&a, Lead, Some(&sf_id("00Q", 4)), 1)
        .await
        .unwrap();
    assert_eq!(ids(&from_gap), vec![jing_id(5)], "cursor between ids");
}

async fn apps_and_objects_are_isolated(store: &dyn BindingStore) {
    let (a, b) = (app("bind-iso-a"), app("bind-iso-b"));
    let (sf, jg) = (sf_id("00Q", 1), jing_id(1));
    store
        .put(&binding(&a, Lead, &sf, &jg, 1), None)
        .await
        .unwrap();
    // The same ids may be bound in another app and in another object.
    store
        .put(&binding(&b, Lead, &sf, &jg, 4), None)
        .await
        .expect("same ids in another app");
    store
        .put(&binding(&a, Account, &sf, &jg, 6), None)
        .await
        .expect("same ids, other object");
    let version = |r: Option<crate::ports::Binding>| r.map(|b| b.version);
    assert_eq!(version(store.by_sf(&a, Lead, &sf).await.unwrap()), Some(1));
    assert_eq!(
        version(store.by_jing(&b, Lead, &jg).await.unwrap()),
        Some(4)
    );
    assert_eq!(
        version(store.by_jing(&a, Account, &jg).await.unwrap()),
        Some(6)
    );
    assert!(
        store
            .by_sf(&app("bind-iso-c"), Lead, &sf)
            .await
            .unwrap()
            .is_none()
    );
    store.remove(&b, Lead, &sf).await.unwrap();
    assert!(
        store.by_sf(&a, Lead, &sf).await.unwrap().is_some(),
        "removal stays in its app"
    );
    assert_eq!(
        store.list(&a, Lead, None, 10).await.unwrap().len(),
        1,
        "list stays in its app"
    );
    assert_eq!(store.count(&b, Lead).await.unwrap(), 0);
}

fn assert_conflict(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("{what}: expected StoreError::Conflict, got {other:?}"),
    }
}

/// Twenty writers race to bind the same JING record to twenty Salesforce records (two webhooks
/// and a poll at once), and ten more race on the same Salesforce record: one wins each race.
async fn racing_inserts_bind_a_record_once(store: &dyn BindingStore) {
    type Put<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;
    let a = app("bind-race");
    let contested = jing_id(77);
    let same_jing: Vec<Put<'_>> = (0..20)
        .map(|n| {
            let b = binding(&a, Lead, &sf_id("00Q", 100 + n), &contested, 1);
            Box::pin(async move { store.put(&b, None).await }) as Put<'_>
        })
        .collect();
    let same_sf: Vec<Put<'_>> = (0..10)
        .map(|n| {
            let b = binding(&a, Lead, &sf_id("00Q", 200), &jing_id(300 + n), 1);
            Box::pin(async move { store.put(&b, None).await }) as Put<'_>
        })
        .collect();
    for (race, writers) in [("same JING id", same_jing), ("same Salesforce id", same_sf)] {
        let results = join_all(writers).await;
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(
            won, 1,
            "{race}: exactly one racing insert wins: {results:?}"
        );
        let lost_by_conflict = results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(_))));
        assert!(lost_by_conflict, "{race}: losers get Conflict: {results:?}");
    }
    assert_eq!(
        store.count(&a, Lead).await.unwrap(),
        2,
        "one binding per race"
    );
    let winner = store
        .by_jing(&a, Lead, &contested)
        .await
        .unwrap()
        .expect("the winner is bound");
    let by_sf = store.by_sf(&a, Lead, &winner.sf_id).await.unwrap();
    assert_eq!(
        by_sf.map(|b| b.jing_id),
        Some(contested),
        "both lookups agree on the winner"
    );
}
