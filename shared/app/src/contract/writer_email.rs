//! Writer scenarios of e-mail addresses, which compare without regard to letter case: run by
//! `writer_scenarios!`.

use super::writer::{Stores, World, app, sf_change, sf_fields};
use crate::fakes::FixedClock;
use crate::ports::{ListQuery, SalesforcePort};
use crate::write::Outcome;
use domain::{Actor, Change, Lane, ObjectKind, RecordRef, Value};
use time::Duration;

fn backfill(mut c: Change) -> Change {
    c.lane = Lane::Backfill;
    c
}

/// An initialization reads the same person on both sides, the e-mails spelt in different
/// case: the records are bound, the other side's listing of the same address writes nothing
/// and the conflict ledger stays empty (a case difference is not an edit an admin should look
/// at); a real change of the address still travels, spelt as typed.
pub async fn an_initialization_bind_of_emails_differing_in_case_records_no_conflict(
    stores: Stores,
) {
    let w = World::new(stores);
    let jing_values = [
        ("name", "张三"),
        ("mobile", "13800138000"),
        ("email", "shared0@acme.example"),
    ];
    let sf_values = [
        ("LastName", "张三"),
        ("Company", "径硕"),
        ("MobilePhone", "13800138000"),
        ("Email", "Shared0@ACME.example"),
    ];
    let jing_id = w.jing.insert("lead", sf_fields(&jing_values));
    let sf_id = w.sf.insert("Lead", sf_fields(&sf_values));
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(3));
    // Both listings are taken before either is applied (the init reads both sides into the
    // queue), Salesforce's first.
    let from_sf = backfill(sf_change(ObjectKind::Lead, &sf_id, 1, &sf_values));
    let mut from_jing = backfill(sf_change(ObjectKind::Lead, &sf_id, 2, &jing_values));
    from_jing.record = RecordRef::Jing(jing_id.clone());
    from_jing.actor = Actor::Human(None);
    let r = w.apply(vec![from_sf]).await;
    assert_eq!(r.counts.bound_existing, 1, "{:?}", r.outcomes);
    // The bind wrote Salesforce's values as they are spelt over JING's duplicate.
    assert_eq!(
        w.jing.record(&jing_id).unwrap()["email"],
        Value::text("Shared0@ACME.example")
    );
    // JING's listing, taken before that write, carries its own spelling: the same address.
    let sf_calls = w.sf.calls_made();
    let r = w.apply(vec![from_jing]).await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped], "nothing to write");
    assert_eq!(r.counts.conflicts, 0);
    assert_eq!(w.sf.calls_made(), sf_calls, "no Salesforce call");
    let b = w
        .binding_of_jing(ObjectKind::Lead, &jing_id)
        .await
        .expect("bound");
    assert_eq!(b.sf_id, sf_id);
    let ledger =
        w.f.ledger
            .conflicts(
                &app(),
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(ledger.total, 0, "no conflict: {:?}", ledger.items);
    assert_eq!(
        w.sf.record(&sf_id).unwrap()["Email"],
        Value::text("Shared0@ACME.example"),
        "Salesforce keeps its spelling"
    );
    // A real change of the address still travels, in its own spelling.
    let moved = sf_change(
        ObjectKind::Lead,
        &sf_id,
        10,
        &[("Email", "New.Address@ACME.example")],
    );
    assert_eq!(w.apply(vec![moved]).await.outcomes, vec![Outcome::Applied]);
    assert_eq!(
        w.jing.record(&jing_id).unwrap()["email"],
        Value::text("New.Address@ACME.example")
    );
}
