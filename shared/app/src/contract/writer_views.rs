//! Writer scenarios that depend on what the binding remembers of each side beyond the last
//! synced values (held-back edits, blanks, our own writes): run by `writer_scenarios!`.

use super::writer::{Stores, World, ZHANG, app, jing_lead, sf_change, sf_fields};
use crate::fakes::FixedClock;
use crate::ports::SalesforcePort;
use crate::write::Outcome;
use domain::rules::BlankMeaning;
use domain::{Actor, FieldRule, JingId, ObjectKind, Value};
use time::Duration;

fn title_rule(w: &mut World, rule: FieldRule, blank: BlankMeaning) {
    let lead = w.settings.objects.get_mut(&ObjectKind::Lead).unwrap();
    let m = lead
        .mapping
        .iter_mut()
        .find(|m| m.sf_field == "Title")
        .unwrap();
    m.rule = rule;
    m.blank = blank;
}

fn at(w: &World, minutes: i64) {
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(minutes));
}

/// JING preferred, "unknown" blanks: Salesforce's own title is held back while JING has one;
/// when JING's title becomes a blank, Salesforce's value fills it — with no Salesforce call.
pub async fn a_held_back_edit_fills_the_preferred_sides_unknown_blank(stores: Stores) {
    let mut w = World::new(stores);
    title_rule(&mut w, FieldRule::JingPreferred, BlankMeaning::Unknown);
    let with_title = [ZHANG, &[("title", "CEO")]].concat();
    let id = w.jing.insert("lead", sf_fields(&with_title));
    at(&w, 1);
    w.apply(vec![jing_lead(id.as_str(), 1, &with_title)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    at(&w, 5);
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "CTO")]));
    let held = sf_change(ObjectKind::Lead, &b.sf_id, 5, &[("Title", "CTO")]);
    assert_eq!(w.apply(vec![held]).await.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.jing.record(&id).unwrap()["title"], Value::text("CEO"));
    at(&w, 8);
    w.jing.human_update(&id, sf_fields(&[("title", "")]));
    let sf_calls = w.sf.calls_made();
    let r = w
        .apply(vec![jing_lead(id.as_str(), 8, &[("title", "")])])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(w.jing.record(&id).unwrap()["title"], Value::text("CTO"));
    assert_eq!(w.sf.calls_made(), sf_calls, "Salesforce already holds CTO");
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    assert_eq!(b.last_synced["Title"], Value::text("CTO"));
}

/// The poller reads a record our integration user saved last; a person's earlier edit of
/// another field (whose own notification was lost) is in it and must still flow, while the
/// fields we wrote are recognised as ours.
pub async fn a_polled_snapshot_we_saved_last_still_carries_a_persons_earlier_edit(stores: Stores) {
    let w = World::new(stores);
    let id = w.jing.insert("lead", sf_fields(ZHANG));
    at(&w, 1);
    w.apply(vec![jing_lead(id.as_str(), 1, ZHANG)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // A person sets FirstName in Salesforce at +4; we write JING's new company at +6.
    w.sf.human_update(&b.sf_id, sf_fields(&[("FirstName", "小")]));
    w.jing
        .human_update(&id, sf_fields(&[("company_id", "新公司")]));
    at(&w, 6);
    w.apply(vec![jing_lead(id.as_str(), 5, &[("company_id", "新公司")])])
        .await;
    let mut snapshot = sf_change(
        ObjectKind::Lead,
        &b.sf_id,
        6,
        &[
            ("LastName", "张三"),
            ("FirstName", "小"),
            ("Company", "新公司"),
        ],
    );
    // An outbound echo of our save is dropped whole...
    let mut echo = snapshot.clone();
    echo.actor = Actor::Integration;
    let jing_calls = w.jing.calls();
    assert_eq!(w.apply(vec![echo]).await.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.jing.calls(), jing_calls);
    // ...the poller's snapshot is planned field by field.
    snapshot.actor = Actor::IntegrationSnapshot;
    at(&w, 7);
    let r = w.apply(vec![snapshot]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    let jing = w.jing.record(&id).unwrap();
    assert_eq!(jing["first_name"], Value::text("小"));
    assert_eq!(jing["company_id"], Value::text("新公司"));
    assert_eq!(w.jing.calls(), jing_calls + 1, "one update, FirstName only");
    // A snapshot of a record we saved but never bound is our creation in flight: skipped.
    let unbound = w.sf.insert("Lead", sf_fields(&[("LastName", "李四")]));
    let mut stray = sf_change(ObjectKind::Lead, &unbound, 8, &[("LastName", "李四")]);
    stray.actor = Actor::IntegrationSnapshot;
    assert_eq!(w.apply(vec![stray]).await.outcomes, vec![Outcome::Skipped]);
}

/// Salesforce preferred, deliberate clears: JING's own clear is held back (Salesforce still
/// has a value); when Salesforce clears too, nothing is written to the already-empty JING.
pub async fn a_clear_is_not_written_to_a_side_known_to_be_empty(stores: Stores) {
    let mut w = World::new(stores);
    title_rule(
        &mut w,
        FieldRule::SalesforcePreferred,
        BlankMeaning::Cleared,
    );
    let with_title = [ZHANG, &[("title", "CEO")]].concat();
    let id = w.jing.insert("lead", sf_fields(&with_title));
    at(&w, 1);
    w.apply(vec![jing_lead(id.as_str(), 1, &with_title)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    at(&w, 3);
    w.jing.human_update(&id, sf_fields(&[("title", "")]));
    let r = w
        .apply(vec![jing_lead(id.as_str(), 3, &[("title", "")])])
        .await;
    assert_eq!(
        r.outcomes,
        vec![Outcome::Skipped],
        "Salesforce's title stands"
    );
    at(&w, 6);
    let jing_calls = w.jing.calls();
    let r = w
        .apply(vec![sf_change(
            ObjectKind::Lead,
            &b.sf_id,
            6,
            &[("Title", "")],
        )])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.jing.calls(), jing_calls, "JING is already empty");
    let stored =
        w.f.bindings
            .by_jing(
                &app(),
                ObjectKind::Lead,
                &JingId::parse(id.as_str()).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
    let views = &stored.views["Title"];
    assert_eq!(views.salesforce.as_ref().unwrap().value, Some(Value::Empty));
    assert_eq!(views.jing.as_ref().unwrap().value, Some(Value::Empty));
}
