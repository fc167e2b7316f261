//! Two Salesforce changes of one record in the same second (its change times are to the
//! second) delivered in the wrong order: the writer reads the record back instead of letting
//! the last arrival win. Run by `writer_scenarios!`.

use super::writer::Stores;
use super::writer::{World, ZHANG, jing_lead, sf_change, sf_fields};
use crate::fakes::FixedClock;
use crate::ports::SalesforcePort;
use crate::write::Outcome;
use domain::{ObjectKind, Value};
use time::Duration;

fn minute(m: i64) -> time::OffsetDateTime {
    FixedClock::DEFAULT_START + Duration::minutes(m)
}

pub async fn edits_of_the_same_second_in_the_wrong_order_end_with_the_latest(stores: Stores) {
    let w = World::new(stores);
    let with_title = [ZHANG, &[("title", "CEO")]].concat();
    let id = w.jing.insert("lead", sf_fields(&with_title));
    w.f.clock.set(minute(1));
    w.apply(vec![jing_lead(id.as_str(), 1, &with_title)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();

    // A person saves "S8", then "S8-27", within one second: both carry the same time.
    w.sf.set_now(minute(5));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "S8")]));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "S8-27")]));
    let first = sf_change(ObjectKind::Lead, &b.sf_id, 5, &[("Title", "S8")]);
    let second = sf_change(ObjectKind::Lead, &b.sf_id, 5, &[("Title", "S8-27")]);
    w.f.clock.set(minute(6));
    assert_eq!(w.apply(vec![second]).await.outcomes, [Outcome::Applied]);
    let (sf_calls, jing_calls) = (w.sf.calls_made(), w.jing.calls());
    // The first save arrives last (a retry, a change put back after a crash).
    let r = w.apply(vec![first]).await;
    assert_eq!(
        r.outcomes,
        [Outcome::Skipped],
        "JING already holds the latest"
    );
    assert_eq!(w.jing.record(&id).unwrap()["title"], Value::text("S8-27"));
    assert_eq!(w.sf.calls_made(), sf_calls + 1, "one read back");
    assert_eq!(w.jing.calls(), jing_calls, "nothing written");

    // Both in one batch, the later first: they tie when coalesced, and the read back decides.
    w.sf.set_now(minute(7));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "S9")]));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "S9-1")]));
    let batch = vec![
        sf_change(ObjectKind::Lead, &b.sf_id, 7, &[("Title", "S9-1")]),
        sf_change(ObjectKind::Lead, &b.sf_id, 7, &[("Title", "S9")]),
    ];
    w.f.clock.set(minute(8));
    w.apply(batch).await;
    assert_eq!(w.jing.record(&id).unwrap()["title"], Value::text("S9-1"));
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    assert_eq!(b.last_synced["Title"], Value::text("S9-1"));
}
