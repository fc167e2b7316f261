//! E-mail addresses compare without regard to case; what is written keeps its spelling.

use super::*;
use crate::object::ObjectKind;
use crate::spec::ObjectSpec;
use time::macros::datetime;

fn one(field: &str, v: &str) -> BTreeMap<String, FieldChange> {
    let change = FieldChange {
        before: None,
        after: Value::text(v),
    };
    [(field.to_string(), change)].into()
}

fn email_map(v: &str) -> BTreeMap<String, Value> {
    [("Email".to_string(), Value::text(v))].into()
}

/// JING's e-mail towards Salesforce, with what we synced last and what Salesforce holds.
fn plan_jing_email(
    incoming: &str,
    last: Option<&str>,
    sf_holds: Option<&str>,
    concurrent: bool,
) -> RecordPlan<'static> {
    // The plan borrows the mapping's names: one mapping for every case.
    static MAPPING: std::sync::LazyLock<Vec<crate::spec::FieldMapping>> =
        std::sync::LazyLock::new(|| ObjectSpec::of(ObjectKind::Lead).default_mapping());
    let mapping = &*MAPPING;
    let incoming = one("email", incoming);
    let last = last.map(email_map);
    let target = sf_holds.map(email_map);
    plan(&PlanInput {
        direction: Direction::JingToSf,
        direction_enabled: true,
        mapping,
        incoming: &incoming,
        incoming_at: datetime!(2024-05-01 10:00 UTC),
        last_synced: last.as_ref(),
        target_current: target.as_ref(),
        target_changed_at: Some(datetime!(2024-05-01 09:59 UTC)),
        concurrent,
        field_sync: None,
        views: None,
        now: datetime!(2024-05-01 10:05 UTC),
        own_save: false,
        fresh_read: false,
    })
}

fn skipped(reason: SkipReason) -> Vec<(String, SkipReason)> {
    vec![("Email".to_string(), reason)]
}

#[test]
fn an_email_synced_in_another_case_is_unchanged() {
    let p = plan_jing_email(
        "shared0@acme.example",
        Some("Shared0@ACME.example"),
        None,
        false,
    );
    assert!(p.is_noop(), "{p:?}");
    assert!(p.conflicts.is_empty());
    assert_eq!(p.skipped, skipped(SkipReason::Unchanged));
}

#[test]
fn a_bound_pair_differing_only_in_email_case_plans_no_write_and_no_conflict() {
    // A bind (no last sync) of a record whose other side moved concurrently: the same address.
    let p = plan_jing_email(
        "shared0@acme.example",
        None,
        Some("Shared0@ACME.example"),
        true,
    );
    assert!(p.is_noop(), "{p:?}");
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
    assert_eq!(p.skipped, skipped(SkipReason::AlreadyEqual));
}

#[test]
fn a_real_email_change_is_written_in_its_own_spelling() {
    let p = plan_jing_email(
        "New.Address@ACME.example",
        Some("old@acme.example"),
        None,
        false,
    );
    assert_eq!(p.writes["Email"], Value::text("New.Address@ACME.example"));
    assert_eq!(p.synced["Email"], Value::text("New.Address@ACME.example"));
    assert!(p.conflicts.is_empty());
}

#[test]
fn a_case_only_edit_on_one_side_is_not_a_move_of_that_side() {
    // Salesforce re-typed the synced address in capitals; JING's real change is no conflict.
    let p = plan_jing_email(
        "new@acme.example",
        Some("old@acme.example"),
        Some("OLD@ACME.example"),
        false,
    );
    assert_eq!(p.writes["Email"], Value::text("new@acme.example"));
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
}

#[test]
fn both_sides_changing_the_email_still_conflict_with_the_values_as_spelt() {
    let p = plan_jing_email(
        "Jing.New@ACME.example",
        Some("old@acme.example"),
        Some("SF.New@ACME.example"),
        false,
    );
    let [(field, c)] = p.conflicts.as_slice() else {
        panic!("one conflict: {p:?}")
    };
    assert_eq!(field, "Email");
    assert_eq!(c.incoming, Value::text("Jing.New@ACME.example"));
    assert_eq!(c.target, Value::text("SF.New@ACME.example"));
    assert_eq!(c.winner, Side::Jing, "the incoming change is the later one");
    assert_eq!(p.writes["Email"], Value::text("Jing.New@ACME.example"));
}

#[test]
fn other_text_fields_still_compare_case_sensitively() {
    let mapping = ObjectSpec::of(ObjectKind::Lead).default_mapping();
    let incoming = one("title", "cto");
    let last: BTreeMap<String, Value> = [("Title".to_string(), Value::text("CTO"))].into();
    let p = plan(&PlanInput {
        direction: Direction::JingToSf,
        direction_enabled: true,
        mapping: &mapping,
        incoming: &incoming,
        incoming_at: datetime!(2024-05-01 10:00 UTC),
        last_synced: Some(&last),
        target_current: None,
        target_changed_at: None,
        concurrent: false,
        field_sync: None,
        views: None,
        now: datetime!(2024-05-01 10:05 UTC),
        own_save: false,
        fresh_read: false,
    });
    assert_eq!(p.writes["Title"], Value::text("cto"));
}

#[test]
fn a_concurrent_conflict_shows_the_target_address_as_the_target_spells_it() {
    let p = plan_jing_email(
        "new@acme.example",
        Some("old@acme.example"),
        Some("OLD@ACME.example"),
        true,
    );
    let [(_, c)] = p.conflicts.as_slice() else {
        panic!("one conflict: {p:?}")
    };
    assert_eq!(c.target, Value::text("OLD@ACME.example"));
    assert_eq!(c.incoming, Value::text("new@acme.example"));
}
