use super::*;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2024-05-01 10:00 UTC);
const T1: OffsetDateTime = datetime!(2024-05-01 11:00 UTC);
const T2: OffsetDateTime = datetime!(2024-05-01 12:00 UTC);

fn input<'a>(
    rule: FieldRule,
    blank: BlankMeaning,
    direction: Direction,
    incoming: &'a Value,
    target: Option<&'a Value>,
    last: Option<&'a Value>,
) -> FieldInput<'a> {
    FieldInput {
        rule,
        blank,
        direction,
        direction_enabled: true,
        incoming,
        incoming_at: T2,
        target_current: target,
        target_changed_at: None,
        last_synced: last,
        origin_before: last,
        target_held: false,
        target_noted_after: false,
        target_filled_after: false,
        concurrent: false,
    }
}

fn wrote(r: &Resolution) -> Option<&Value> {
    match &r.decision {
        FieldDecision::Write(v) => Some(v),
        FieldDecision::Skip(_) => None,
    }
}

fn skipped(r: &Resolution) -> Option<SkipReason> {
    match r.decision {
        FieldDecision::Skip(s) => Some(s),
        FieldDecision::Write(_) => None,
    }
}

#[test]
fn two_way_propagates_a_plain_update() {
    let (new, old) = (Value::text("new"), Value::text("old"));
    let r = resolve(&input(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        Direction::JingToSf,
        &new,
        Some(&old),
        Some(&old),
    ));
    assert_eq!(wrote(&r), Some(&new));
    assert!(r.conflict.is_none());
}

#[test]
fn do_not_sync_and_direction_off_never_write() {
    let (new, old) = (Value::text("new"), Value::text("old"));
    let mut i = input(
        FieldRule::DoNotSync,
        BlankMeaning::Cleared,
        Direction::SfToJing,
        &new,
        None,
        None,
    );
    assert_eq!(skipped(&resolve(&i)), Some(SkipReason::DoNotSync));
    for rule in [
        FieldRule::TwoWay,
        FieldRule::JingPreferred,
        FieldRule::SalesforcePreferred,
    ] {
        i = input(
            rule,
            BlankMeaning::Cleared,
            Direction::SfToJing,
            &new,
            Some(&old),
            Some(&old),
        );
        i.direction_enabled = false;
        assert_eq!(
            skipped(&resolve(&i)),
            Some(SkipReason::DirectionOff),
            "{rule:?}"
        );
    }
}

#[test]
fn an_unchanged_value_is_an_echo_and_writes_nothing() {
    let v = Value::text("same");
    let other = Value::text("x");
    let r = resolve(&input(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &v,
        Some(&other),
        Some(&v),
    ));
    assert_eq!(skipped(&r), Some(SkipReason::Unchanged));
}

#[test]
fn equal_target_value_costs_no_write() {
    let v = Value::text("same");
    let old = Value::text("old");
    let r = resolve(&input(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &v,
        Some(&v),
        Some(&old),
    ));
    assert_eq!(skipped(&r), Some(SkipReason::AlreadyEqual));
}

#[test]
fn blank_semantics_with_each_rule() {
    let empty = Value::Empty;
    let old = Value::text("old");
    for rule in [
        FieldRule::TwoWay,
        FieldRule::JingPreferred,
        FieldRule::SalesforcePreferred,
    ] {
        for dir in Direction::BOTH {
            // Unknown: an empty value never overwrites.
            let r = resolve(&input(
                rule,
                BlankMeaning::Unknown,
                dir,
                &empty,
                Some(&old),
                Some(&old),
            ));
            assert_eq!(
                skipped(&r),
                Some(SkipReason::BlankIsUnknown),
                "{rule:?} {dir:?}"
            );
        }
    }
    // Cleared: the clear propagates under two-way and from the preferred side...
    let r = resolve(&input(
        FieldRule::TwoWay,
        BlankMeaning::Cleared,
        Direction::SfToJing,
        &empty,
        Some(&old),
        Some(&old),
    ));
    assert_eq!(wrote(&r), Some(&Value::Empty));
    let r = resolve(&input(
        FieldRule::JingPreferred,
        BlankMeaning::Cleared,
        Direction::JingToSf,
        &empty,
        Some(&old),
        Some(&old),
    ));
    assert_eq!(wrote(&r), Some(&Value::Empty));
    // ...but the non-preferred side cannot clear the preferred side's value.
    let r = resolve(&input(
        FieldRule::JingPreferred,
        BlankMeaning::Cleared,
        Direction::SfToJing,
        &empty,
        Some(&old),
        Some(&old),
    ));
    assert_eq!(skipped(&r), Some(SkipReason::OtherSidePreferred));
}

#[test]
fn preferred_side_always_wins_and_the_other_only_fills_blanks() {
    let jing = Value::text("from jing");
    let sf = Value::text("from sf");
    let old = Value::text("old");
    // JING preferred, JING changes: Salesforce takes it even though SF has a value.
    let r = resolve(&input(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        Direction::JingToSf,
        &jing,
        Some(&sf),
        Some(&old),
    ));
    assert_eq!(wrote(&r), Some(&jing));
    // JING preferred, SF changes while JING has a value: nothing.
    let r = resolve(&input(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &sf,
        Some(&jing),
        Some(&old),
    ));
    assert_eq!(skipped(&r), Some(SkipReason::OtherSidePreferred));
    // JING preferred, SF changes while JING is empty: fill the blank.
    let empty = Value::Empty;
    let r = resolve(&input(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &sf,
        Some(&empty),
        None,
    ));
    assert_eq!(wrote(&r), Some(&sf));
    // The mirror.
    let r = resolve(&input(
        FieldRule::SalesforcePreferred,
        BlankMeaning::Unknown,
        Direction::JingToSf,
        &jing,
        Some(&sf),
        Some(&old),
    ));
    assert_eq!(skipped(&r), Some(SkipReason::OtherSidePreferred));
    let r = resolve(&input(
        FieldRule::SalesforcePreferred,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &sf,
        Some(&jing),
        Some(&old),
    ));
    assert_eq!(wrote(&r), Some(&sf));
}

#[test]
fn a_deliberate_clear_on_the_preferred_side_is_not_undone() {
    // JING preferred: JING's clear (blank = cleared) stands; a later SF edit must not refill it.
    let empty = Value::Empty;
    let sf = Value::text("sf edit");
    let i = input(
        FieldRule::JingPreferred,
        BlankMeaning::Cleared,
        Direction::SfToJing,
        &sf,
        Some(&empty),
        Some(&empty),
    );
    assert_eq!(skipped(&resolve(&i)), Some(SkipReason::OtherSidePreferred));
    // With "unknown" semantics the same empty is just a blank, which SF may fill.
    let i = input(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &sf,
        Some(&empty),
        Some(&empty),
    );
    assert_eq!(wrote(&resolve(&i)), Some(&sf));
}

#[test]
fn two_way_conflict_latest_change_wins_and_is_reported() {
    let incoming = Value::text("sf new");
    let target = Value::text("jing new");
    let last = Value::text("old");
    let mut i = input(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        Direction::SfToJing,
        &incoming,
        Some(&target),
        Some(&last),
    );
    i.incoming_at = T2;
    i.target_changed_at = Some(T1);
    let r = resolve(&i);
    assert_eq!(wrote(&r), Some(&incoming));
    let c = r.conflict.expect("conflict");
    assert_eq!(c.winner, Side::Salesforce);
    assert_eq!(c.target, target);

    i.incoming_at = T0;
    let r = resolve(&i);
    assert_eq!(skipped(&r), Some(SkipReason::TargetIsNewer));
    assert_eq!(r.conflict.unwrap().winner, Side::Jing);
}

proptest::proptest! {
    #[test]
    fn resolution_is_deterministic(
        rule in 0u8..4, blank in proptest::bool::ANY, dir in proptest::bool::ANY,
        inc in "[ab]{0,1}", tgt in proptest::option::of("[ab]{0,1}"), last in proptest::option::of("[ab]{0,1}"),
        t_in in 0i64..3, t_tgt in proptest::option::of(0i64..3),
    ) {
        let rule = [FieldRule::TwoWay, FieldRule::JingPreferred, FieldRule::SalesforcePreferred, FieldRule::DoNotSync][rule as usize];
        let blank = if blank { BlankMeaning::Cleared } else { BlankMeaning::Unknown };
        let direction = if dir { Direction::SfToJing } else { Direction::JingToSf };
        let inc = Value::text(inc);
        let tgt = tgt.map(Value::text);
        let last = last.map(Value::text);
        let i = FieldInput {
            rule, blank, direction, direction_enabled: true, incoming: &inc,
            incoming_at: T0 + time::Duration::hours(t_in),
            target_current: tgt.as_ref(),
            target_changed_at: t_tgt.map(|h| T0 + time::Duration::hours(h)),
            last_synced: last.as_ref(),
            origin_before: last.as_ref(),
            target_held: false,
        target_noted_after: false,
        target_filled_after: false,
            concurrent: false,
        };
        let a = resolve(&i);
        let b = resolve(&i);
        proptest::prop_assert_eq!(&a, &b);
        // Never writes an empty value when empty means unknown.
        if blank == BlankMeaning::Unknown {
            proptest::prop_assert!(wrote(&a).is_none_or(|v| !v.is_empty()));
        }
        // Never writes what the target already holds.
        if let (Some(v), Some(t)) = (wrote(&a), tgt.as_ref()) {
            proptest::prop_assert!(!same(v, t));
        }
    }
}

#[test]
fn concurrent_changes_conflict_even_when_the_target_equals_the_last_sync() {
    // SF changed the field to "sf" at T1 and it was synced; a JING change to "jing" made at T0
    // (before that sync) arrives now: a conflict, and SF's later change wins.
    let incoming = Value::text("jing");
    let synced = Value::text("sf");
    let mut i = input(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        Direction::JingToSf,
        &incoming,
        Some(&synced),
        Some(&synced),
    );
    i.concurrent = true;
    i.incoming_at = T0;
    i.target_changed_at = Some(T1);
    let r = resolve(&i);
    assert_eq!(skipped(&r), Some(SkipReason::TargetIsNewer));
    assert_eq!(r.conflict.unwrap().winner, Side::Salesforce);
    // The same without the concurrency flag is an ordinary later edit.
    i.concurrent = false;
    assert_eq!(wrote(&resolve(&i)), Some(&incoming));
}
