//! Contract of [`StagingStore`].

use super::fixtures::*;
use crate::ports::{Staged, StagedCreate, StagingStore};
use domain::ObjectKind::{Account, Lead};
use domain::{AppId, RecordRef, Value};

fn create(app: &AppId, n: u64, name: &str) -> StagedCreate {
    let record = RecordRef::Jing(jing_id(n));
    StagedCreate {
        app: app.clone(),
        object: Lead,
        change: change(app, record, at(n as i64), &[("name", name)]),
        fields: [("LastName".to_string(), Value::text(name))].into(),
        synced: [("LastName".to_string(), Value::text(name))].into(),
        views: Vec::new(),
        name: name.to_owned(),
    }
}

fn keys(rows: &[crate::ports::StagedRow]) -> Vec<String> {
    rows.iter()
        .map(|r| r.create.record_key().to_owned())
        .collect()
}

/// Staging order, one row per record (a waiting row replaced, a row in a job kept), jobs given
/// the oldest waiting rows, paging by `seq`, removal, and isolation between apps and objects.
pub async fn staging_store(store: &dyn StagingStore) {
    let (a, b) = (app("staging-a"), app("staging-b"));
    let rows: Vec<StagedCreate> = (1..=5).map(|n| create(&a, n, &format!("王{n}"))).collect();
    let staged = store.stage(&rows).await.unwrap();
    assert_eq!(staged, vec![Staged::Kept; 5]);
    store.stage(&[create(&b, 1, "other app")]).await.unwrap();
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 5);
    assert_eq!(
        store.waiting(&a, Account).await.unwrap(),
        0,
        "object isolation"
    );
    // Staged again while waiting: replaced, and now the newest.
    store.stage(&[create(&a, 2, "王二")]).await.unwrap();
    let waiting = store.rows(&a, Lead, None, 0, 100).await.unwrap();
    let want: Vec<String> = [1, 3, 4, 5, 2]
        .iter()
        .map(|n| jing_id(*n).to_string())
        .collect();
    assert_eq!(
        keys(&waiting),
        want,
        "staging order; a replaced row moves last"
    );
    assert_eq!(waiting[4].create.name, "王二");
    let newest = waiting[4].seq;
    assert_eq!(store.newest_waiting(&a, Lead).await.unwrap(), newest);
    assert_eq!(store.newest_waiting(&a, Account).await.unwrap(), 0);
    // The three oldest go to a job; the others keep waiting.
    assert_eq!(store.assign(&a, Lead, "750A", 3).await.unwrap(), 3);
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 2);
    assert_eq!(
        store.newest_waiting(&a, Lead).await.unwrap(),
        newest,
        "the newest still waits"
    );
    let in_job = store.rows(&a, Lead, Some("750A"), 0, 100).await.unwrap();
    assert_eq!(keys(&in_job), want[..3].to_vec());
    assert!(in_job.iter().all(|r| r.job.as_deref() == Some("750A")));
    // Two wait, with the replaced row's old place (and another app's row) between them: a
    // bound from the lowest and highest waiting place alone would say three might.
    assert!(store.waiting_at_least(&a, Lead, 2).await.unwrap());
    assert!(!store.waiting_at_least(&a, Lead, 3).await.unwrap());
    assert!(store.waiting_at_least(&a, Account, 0).await.unwrap());
    assert!(!store.waiting_at_least(&a, Account, 1).await.unwrap());
    assert!(store.waiting_at_least(&b, Lead, 1).await.unwrap());
    assert!(!store.waiting_at_least(&b, Lead, 2).await.unwrap());
    // A job's rows in the order of their record ids, read back at those places.
    let order = store.job_order(&a, Lead, "750A").await.unwrap();
    let mut by_record: Vec<(String, u64)> = in_job
        .iter()
        .map(|r| (r.create.record_key().to_owned(), r.seq))
        .collect();
    by_record.sort();
    let sorted: Vec<u64> = by_record.iter().map(|(_, s)| *s).collect();
    assert_eq!(order, sorted);
    assert!(store.job_order(&b, Lead, "750A").await.unwrap().is_empty());
    let at = store.rows_at(&a, Lead, &order).await.unwrap();
    let seqs: Vec<u64> = at.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, order, "in the order asked");
    for r in &at {
        let same = in_job.iter().find(|j| j.seq == r.seq).unwrap();
        assert_eq!(r, same);
    }
    let uploads = store.uploads_at(&a, Lead, &order).await.unwrap();
    let read: Vec<_> = uploads
        .iter()
        .map(|u| (u.seq, u.record.clone(), u.fields.clone()))
        .collect();
    let expected: Vec<_> = at
        .iter()
        .map(|r| {
            (
                r.seq,
                r.create.record_key().to_owned(),
                r.create.fields.clone(),
            )
        })
        .collect();
    assert_eq!(
        read, expected,
        "the upload reads each row's place, record and values"
    );
    let gone = order.iter().max().unwrap() + 1_000;
    assert_eq!(
        store.rows_at(&a, Lead, &[gone]).await.unwrap(),
        vec![],
        "no row there"
    );
    assert!(
        store.uploads_at(&b, Lead, &order).await.unwrap().is_empty(),
        "app isolation"
    );
    // Released rows wait again, the others stay in the job.
    store.release(&a, Lead, &order[1..]).await.unwrap();
    assert_eq!(store.job_order(&a, Lead, "750A").await.unwrap(), order[..1]);
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 4);
    store.reassign(&a, Lead, "750A", None, 0).await.unwrap();
    assert_eq!(store.assign(&a, Lead, "750A", 3).await.unwrap(), 3);
    let page = store
        .rows(&a, Lead, Some("750A"), in_job[0].seq, 1)
        .await
        .unwrap();
    assert_eq!(keys(&page), want[1..2].to_vec(), "paged after a seq");
    // A record in a job is not replaced: its change must wait.
    let again = store
        .stage(&[create(&a, 1, "late"), create(&a, 9, "new")])
        .await
        .unwrap();
    assert_eq!(again, vec![Staged::InJob, Staged::Kept]);
    let ids = [
        jing_id(1).to_string(),
        jing_id(2).to_string(),
        jing_id(7).to_string(),
    ];
    let found = store.lookup(&a, Lead, &ids).await.unwrap();
    let state: Vec<Option<bool>> = found
        .iter()
        .map(|r| r.as_ref().map(|r| r.job.is_some()))
        .collect();
    assert_eq!(state, vec![Some(true), Some(false), None]);
    assert_eq!(
        found[1].as_ref().unwrap().create.name,
        "王二",
        "the row itself"
    );
    assert_eq!(
        store.jobs(&a, Lead).await.unwrap(),
        vec!["750A".to_string()]
    );
    assert!(
        store.jobs(&b, Lead).await.unwrap().is_empty(),
        "app isolation"
    );
    // Rows after the first go back to waiting; the first moves to another job.
    store
        .reassign(&a, Lead, "750A", None, in_job[0].seq)
        .await
        .unwrap();
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 5);
    store
        .reassign(&a, Lead, "750A", Some("750B"), 0)
        .await
        .unwrap();
    assert_eq!(
        store.jobs(&a, Lead).await.unwrap(),
        vec!["750B".to_string()]
    );
    let moved = store.rows(&a, Lead, Some("750B"), 0, 100).await.unwrap();
    assert_eq!(keys(&moved), want[..1].to_vec());
    store.remove(&a, Lead, &[moved[0].seq]).await.unwrap();
    assert!(store.jobs(&a, Lead).await.unwrap().is_empty());
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 5);
    // A committed job's rows go together; the waiting ones stay.
    assert_eq!(store.assign(&a, Lead, "750C", 2).await.unwrap(), 2);
    assert_eq!(
        store.remove_job(&b, Lead, "750C").await.unwrap(),
        0,
        "app isolation"
    );
    assert_eq!(store.remove_job(&a, Lead, "750C").await.unwrap(), 2);
    assert!(store.jobs(&a, Lead).await.unwrap().is_empty());
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 3);
    assert_eq!(store.purge(&a).await.unwrap(), 3);
    assert_eq!(store.waiting(&a, Lead).await.unwrap(), 0);
    assert_eq!(store.newest_waiting(&a, Lead).await.unwrap(), 0);
    assert_eq!(
        store.waiting(&b, Lead).await.unwrap(),
        1,
        "purge keeps other apps"
    );
}
