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

/// A JING edit (its webhook carries the changed fields only) reaching the writer before the
/// lead's creation waits for it instead of failing; after the create it lands.
pub async fn an_edit_before_its_create_waits_for_it(stores: Stores) {
    let w = World::new(stores);
    let with_title = [ZHANG, &[("title", "J0")]].concat();
    let id = w.jing.insert("lead", sf_fields(&with_title));
    w.jing.human_update(&id, sf_fields(&[("title", "J2")]));
    // An update webhook: the changed field only, with its value before.
    let mut edit = jing_lead(id.as_str(), 3, &[("title", "J2")]);
    edit.fields.get_mut("title").unwrap().before = Some(Value::text("J0"));
    w.f.clock.set(minute(4));
    let r = w.apply(vec![edit.clone()]).await;
    match &r.outcomes[..] {
        [Outcome::Retry(e)] => {
            assert_eq!(e.code, domain::ErrorCode::CreatePending);
            assert_eq!(e.field.as_deref(), Some("LastName"));
        }
        other => panic!("the edit waits for the create: {other:?}"),
    }
    assert_eq!(w.sf.count("Lead"), 0, "no half lead made from an edit");
    let create = jing_lead(id.as_str(), 1, &with_title);
    assert_eq!(w.apply(vec![create]).await.outcomes, [Outcome::Applied]);
    assert_eq!(w.apply(vec![edit]).await.outcomes, [Outcome::Applied]);
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    assert_eq!(w.sf.record(&b.sf_id).unwrap()["Title"], Value::text("J2"));
    assert_eq!(w.sf.count("Lead"), 1);

    // An edit of a lead that never synced does not wait for ever: past the wait it is planned
    // as it is (here it cannot make a lead).
    let never = w.jing.insert("lead", sf_fields(&with_title));
    let mut late = jing_lead(never.as_str(), 4, &[("title", "J9")]);
    late.fields.get_mut("title").unwrap().before = Some(Value::text("J0"));
    w.f.clock.set(minute(10));
    match &w.apply(vec![late]).await.outcomes[..] {
        [Outcome::Failed(e)] => assert_eq!(e.code, domain::ErrorCode::RequiredValueMissing),
        other => panic!("no more waiting: {other:?}"),
    }
}

/// The same on JING's side (its webhook times are whole seconds): the record is read back from
/// JING's change list.
pub async fn jing_edits_of_the_same_second_in_the_wrong_order_end_with_the_latest(stores: Stores) {
    let w = World::new(stores);
    let with_title = [ZHANG, &[("title", "CEO")]].concat();
    let id = w.jing.insert("lead", sf_fields(&with_title));
    w.f.clock.set(minute(1));
    w.apply(vec![jing_lead(id.as_str(), 1, &with_title)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    w.jing.set_now(minute(5));
    w.jing.human_update(&id, sf_fields(&[("title", "J1")]));
    w.jing.human_update(&id, sf_fields(&[("title", "J2")]));
    let edit = |before: &str, after: &str| {
        let mut c = jing_lead(id.as_str(), 5, &[("title", after)]);
        c.fields.get_mut("title").unwrap().before = Some(Value::text(before));
        c
    };
    w.f.clock.set(minute(6));
    assert_eq!(
        w.apply(vec![edit("J1", "J2")]).await.outcomes,
        [Outcome::Applied]
    );
    let jing_calls = w.jing.calls();
    let r = w.apply(vec![edit("CEO", "J1")]).await;
    assert_eq!(
        r.outcomes,
        [Outcome::Skipped],
        "Salesforce already holds the latest"
    );
    assert_eq!(w.sf.record(&b.sf_id).unwrap()["Title"], Value::text("J2"));
    assert_eq!(w.jing.calls(), jing_calls + 1, "one change-list read");
}
