//! Contract of [`AppData`]: deleting an app leaves nothing of it in any store it names, and
//! touches no other app.

use super::fixtures::*;
use crate::ports::*;
use domain::rules::Conflict;
use domain::{Direction, Side, Value};
use domain::{ErrorCode, ObjectKind, RecordRef};
use std::collections::BTreeMap;

/// Write one item of every kind for `app`: bindings, error, sync log, conflict, journal,
/// parked change, cursor, quota counter, a delivery claim and a queued change.
async fn populate(p: &Ports, app: &domain::AppId, n: u64) {
    let (sf, jing) = (sf_id("00Q", n), jing_id(n));
    let b = binding(app, ObjectKind::Lead, &sf, &jing, 1);
    p.bindings.put(&b, None).await.unwrap();
    let key = sf.to_string();
    let err = error_record(
        app,
        ObjectKind::Lead,
        &key,
        "张三",
        ErrorCode::ValueTooLong,
        at(1),
    );
    p.errors.record(&err).await.unwrap();
    let ok = synced(app, ObjectKind::Lead, &key, "张三", at(2));
    p.sync_log.record(&ok).await.unwrap();
    p.ledger
        .add_conflict(&ConflictEntry {
            app: app.clone(),
            object: ObjectKind::Lead,
            record_key: key.clone(),
            field: "Phone".into(),
            conflict: Conflict {
                incoming: Value::text("138 0013 8000"),
                target: Value::text("139 0013 9000"),
                winner: Side::Jing,
            },
            at: at(3),
        })
        .await
        .unwrap();
    p.ledger
        .journal(&[JournalEntry {
            app: app.clone(),
            object: ObjectKind::Lead,
            record_key: key.clone(),
            direction: Direction::JingToSf,
            before: BTreeMap::new(),
            after: [("Phone".to_owned(), Value::text("138 0013 8000"))].into(),
            at: at(4),
        }])
        .await
        .unwrap();
    let decided = super::decisions::decision(app, &key, 4, Verdict::Echo);
    p.decisions.record(&[decided]).await.unwrap();
    let parked = change(
        app,
        RecordRef::Jing(jing.clone()),
        at(5),
        &[("name", "张三")],
    );
    p.parked.park(&parked).await.unwrap();
    p.cursors.put(app, "poll:Lead", "{}").await.unwrap();
    p.quota.reserve(app, at(0).date(), 7, 100).await.unwrap();
    let queued = change(app, RecordRef::Jing(jing), at(6), &[("name", "李四")]);
    p.queue.send(&[queued]).await.unwrap();
}

async fn left_of(p: &Ports, app: &domain::AppId) -> Vec<&'static str> {
    let all = query("", None, None, 0, 0);
    let mut left = Vec::new();
    if p.bindings.count(app, ObjectKind::Lead).await.unwrap() > 0
        || !p
            .bindings
            .list(app, ObjectKind::Lead, None, 10)
            .await
            .unwrap()
            .is_empty()
    {
        left.push("bindings");
    }
    if p.errors.list(app, &all).await.unwrap().total > 0 {
        left.push("errors");
    }
    if p.sync_log.list(app, &all).await.unwrap().total > 0 {
        left.push("sync log");
    }
    if p.ledger.conflicts(app, &all).await.unwrap().total > 0 {
        left.push("conflicts");
    }
    let key = sf_id("00Q", 1).to_string();
    let journal = p
        .ledger
        .journal_for(app, ObjectKind::Lead, &key)
        .await
        .unwrap();
    let journal2 = p
        .ledger
        .journal_for(app, ObjectKind::Lead, &sf_id("00Q", 2).to_string())
        .await
        .unwrap();
    if !journal.is_empty() || !journal2.is_empty() {
        left.push("journal");
    }
    let decided = p
        .decisions
        .for_record(
            app,
            ObjectKind::Lead,
            &[key, sf_id("00Q", 2).to_string()],
            at(10),
        )
        .await
        .unwrap();
    if !decided.is_empty() {
        left.push("decisions");
    }
    if p.parked.count(app).await.unwrap() > 0 {
        left.push("parked");
    }
    if p.cursors.get(app, "poll:Lead").await.unwrap().is_some() {
        left.push("cursors");
    }
    if p.quota.used(app, at(0).date()).await.unwrap() > 0 {
        left.push("quota");
    }
    left
}

/// Purge one of two populated apps: nothing of it is left, the other keeps everything. A
/// second purge finds nothing. `queue_selectable`: the queue can drop an app's changes (SQLite,
/// fakes; not SQS).
pub async fn app_data(p: &Ports, queue_selectable: bool) {
    let (gone, kept) = (app("purge-gone"), app("purge-kept"));
    populate(p, &gone, 1).await;
    populate(p, &kept, 2).await;
    let purged = p.app_data.purge(&gone).await.unwrap();
    assert!(purged.bindings >= 1, "bindings purged: {purged:?}");
    assert!(purged.errors >= 1 && purged.synced >= 1, "{purged:?}");
    assert!(purged.ledger >= 2 && purged.parked >= 1, "{purged:?}");
    assert!(purged.decisions >= 1, "decisions purged: {purged:?}");
    assert!(purged.state >= 2, "cursors and quota: {purged:?}");
    if queue_selectable {
        assert_eq!(purged.queued, 1, "the app's queued change: {purged:?}");
    }
    let left = left_of(p, &gone).await;
    assert!(left.is_empty(), "left of the deleted app: {left:?}");
    let kept_all = left_of(p, &kept).await;
    assert_eq!(
        kept_all,
        [
            "bindings",
            "errors",
            "sync log",
            "conflicts",
            "journal",
            "decisions",
            "parked",
            "cursors",
            "quota"
        ],
        "the other app keeps everything"
    );
    let again = p.app_data.purge(&gone).await.unwrap();
    assert_eq!(again.total(), 0, "a second purge finds nothing: {again:?}");
    if queue_selectable {
        let depth = p.queue.depth().await.unwrap();
        assert_eq!(depth, 1, "only the other app's change stays queued");
    }
}
