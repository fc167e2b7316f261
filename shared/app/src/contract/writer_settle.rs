//! A conflict settled from the ledger goes through the writer and ends with both sides
//! holding the kept value: run by `writer_scenarios!`.

use super::writer::{Stores, World, app, jing_lead, sf_change, sf_fields};
use crate::fakes::{FixedClock, MemCursorStore, MemQueue};
use crate::ports::{ChangeQueue, ListQuery};
use crate::status::{SettleError, SettleRequest, StatusDeps, settle};
use crate::write::Outcome;
use domain::{Actor, ObjectKind, Side, Value};
use std::sync::Arc;
use time::Duration;

pub async fn keeping_the_losing_sides_value_writes_it_to_both_sides(stores: Stores) {
    let w = World::new(stores);
    let id = w.jing.insert("lead", sf_fields(&[("name", "张三")]));
    w.apply(vec![jing_lead(id.as_str(), 1, super::writer::ZHANG)])
        .await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // Salesforce's later edit wins over JING's concurrent one: both hold "SF title".
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(11));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "SF title")]));
    let sf_edit = sf_change(ObjectKind::Lead, &b.sf_id, 10, &[("Title", "SF title")]);
    w.apply(vec![sf_edit]).await;
    let jing_edit = jing_lead(id.as_str(), 5, &[("title", "JING title")]);
    assert_eq!(w.apply(vec![jing_edit]).await.counts.conflicts, 1);

    let queue = MemQueue::new(Arc::new(w.f.clock.clone()), 10);
    let cursors = MemCursorStore::default();
    let deps = StatusDeps {
        errors: w.f.errors.as_ref(),
        synced: w.f.sync_log.as_ref(),
        ledger: w.f.ledger.as_ref(),
        bindings: w.f.bindings.as_ref(),
        quota: w.f.quota.as_ref(),
        parked: w.f.parked.as_ref(),
        settings: w.f.settings.as_ref(),
        cursors: &cursors,
        queue: &queue,
    };
    // The admin keeps JING's value (the ledger names the record by the JING id it came with).
    let req = SettleRequest {
        object: ObjectKind::Lead,
        record_key: id.to_string(),
        field: "Title".into(),
        keep: Side::Jing,
        by: "王经理".into(),
    };
    let now = FixedClock::DEFAULT_START + Duration::minutes(20);
    let report = settle(&deps, &w.settings, &req, now).await.unwrap();
    assert_eq!(
        (report.settled, report.value.clone()),
        (1, Value::text("JING title"))
    );
    let queued = queue
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "one change for the writer");
    assert_eq!(queued[0].change.actor, Actor::Admin("王经理".into()));
    w.f.clock.set(now);
    let r = w.apply(vec![queued[0].change.clone()]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(
        w.sf.record(&b.sf_id).unwrap()["Title"],
        Value::text("JING title")
    );
    assert_eq!(
        w.jing.record(&id).unwrap()["title"],
        Value::text("JING title"),
        "JING had been overwritten with Salesforce's value: it gets its own back"
    );
    let q = ListQuery {
        limit: 5,
        ..Default::default()
    };
    let entry =
        w.f.ledger
            .conflicts(&app(), &q)
            .await
            .unwrap()
            .items
            .remove(0);
    let settled = entry.settled.expect("marked settled");
    assert_eq!(
        (settled.keep, settled.by.as_str(), settled.at),
        (Side::Jing, "王经理", now)
    );
    let again = settle(&deps, &w.settings, &req, now).await.unwrap_err();
    assert!(matches!(again, SettleError::NotFound { .. }), "{again}");
}
