//! The planner with per-side views: what each side holds as far as we know.

use super::*;
use crate::rules::{BlankMeaning, FieldRule};
use crate::value::FieldType;
use time::macros::datetime;

const EDIT_SF: OffsetDateTime = datetime!(2024-05-01 10:00 UTC);
const EDIT_JING: OffsetDateTime = datetime!(2024-05-01 10:01 UTC);
const NOW: OffsetDateTime = datetime!(2024-05-01 10:05 UTC);
const LATER: OffsetDateTime = datetime!(2024-05-01 10:09 UTC);

fn title(rule: FieldRule, blank: BlankMeaning) -> Vec<FieldMapping> {
    vec![FieldMapping {
        sf_field: "Title".into(),
        jing_field: "title".into(),
        sf_type: FieldType::Text { max_len: 128 },
        jing_type: FieldType::Text { max_len: 128 },
        rule,
        blank,
        pinned: false,
        options: vec![],
    }]
}

fn text(s: &str) -> Value {
    Value::text(s)
}

struct Case {
    mapping: Vec<FieldMapping>,
    incoming: BTreeMap<String, FieldChange>,
    last: BTreeMap<String, Value>,
    views: BTreeMap<String, FieldViews>,
    fresh_read: bool,
}

impl Case {
    fn new(rule: FieldRule, blank: BlankMeaning, last: Value, views: FieldViews) -> Self {
        Self {
            mapping: title(rule, blank),
            incoming: BTreeMap::new(),
            last: [("Title".to_owned(), last)].into(),
            views: [("Title".to_owned(), views)].into(),
            fresh_read: false,
        }
    }

    fn plan(&mut self, direction: Direction, value: Value, at: OffsetDateTime) -> RecordPlan<'_> {
        let field = match direction.origin() {
            Side::Salesforce => "Title",
            Side::Jing => "title",
        };
        self.incoming = [(
            field.to_owned(),
            FieldChange {
                before: None,
                after: value,
            },
        )]
        .into();
        plan(&PlanInput {
            direction,
            direction_enabled: true,
            mapping: &self.mapping,
            incoming: &self.incoming,
            incoming_at: at,
            last_synced: Some(&self.last),
            target_current: None,
            target_changed_at: None,
            concurrent: false,
            field_sync: None,
            views: Some(&self.views),
            now: NOW,
            own_save: false,
            fresh_read: self.fresh_read,
        })
    }
}

fn edit(v: Value, at: OffsetDateTime) -> Option<SideView> {
    Some(SideView::edit(Some(v), at, false, at))
}

#[test]
fn a_held_back_edit_fills_the_preferred_sides_unknown_blank() {
    let mut held = SideView::edit(Some(text("b")), EDIT_SF, true, EDIT_SF);
    held.held = true;
    let views = FieldViews {
        salesforce: Some(held),
        jing: edit(text("a"), EDIT_SF),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        text("a"),
        views,
    );
    let p = case.plan(Direction::JingToSf, Value::Empty, EDIT_JING);
    assert!(p.writes.is_empty(), "nothing goes to Salesforce: {p:?}");
    assert_eq!(p.fill_origin.get("title"), Some(&text("b")));
    assert_eq!(p.synced.get("Title"), Some(&text("b")));
    let jing = views_of(&p).jing.clone().unwrap();
    assert!(
        jing.by_us && jing.value.is_none(),
        "JING holds the synced value"
    );
    assert!(!views_of(&p).salesforce.as_ref().unwrap().held);
}

#[test]
fn a_value_the_other_side_got_from_the_preferred_side_does_not_refill_its_blank() {
    let views = FieldViews {
        salesforce: Some(SideView::written(
            Some(text("a")),
            EDIT_SF,
            Some(Value::Empty),
        )),
        jing: edit(text("a"), EDIT_SF),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        text("a"),
        views,
    );
    let p = case.plan(Direction::JingToSf, Value::Empty, EDIT_JING);
    assert!(p.is_noop(), "{p:?}");
    // JING's blank is remembered: a later Salesforce edit fills it.
    assert_eq!(
        views_of(&p).jing.as_ref().unwrap().value,
        Some(Value::Empty)
    );
    case.views = owned_views(p.views).into_iter().collect();
    let p = case.plan(Direction::SfToJing, text("c"), LATER);
    assert_eq!(p.writes.get("title"), Some(&text("c")), "{p:?}");
}

#[test]
fn an_edit_the_preferred_side_keeps_out_is_remembered_as_held() {
    let views = FieldViews {
        salesforce: edit(text("a"), EDIT_SF),
        jing: edit(text("a"), EDIT_SF),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Cleared,
        text("a"),
        views,
    );
    let p = case.plan(Direction::SfToJing, text("mine"), EDIT_JING);
    assert!(p.is_noop());
    let sf = views_of(&p).salesforce.clone().unwrap();
    assert!(sf.held && sf.value == Some(text("mine")));
}

#[test]
fn a_preferred_clear_is_not_written_to_a_side_known_to_be_empty() {
    let views = FieldViews {
        salesforce: edit(Value::Empty, EDIT_SF),
        jing: edit(text("a"), EDIT_SF),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Cleared,
        text("a"),
        views,
    );
    let p = case.plan(Direction::JingToSf, Value::Empty, EDIT_JING);
    assert!(p.writes.is_empty(), "{p:?}");
    assert_eq!(p.skipped, vec![("Title".into(), SkipReason::AlreadyEqual)]);
}

#[test]
fn a_notification_made_before_our_write_carries_the_overwritten_value_not_an_edit() {
    // We wrote "new" to Salesforce at NOW over "old"; a Salesforce snapshot from before that
    // write still says "old": Salesforce did not edit the field.
    let views = FieldViews {
        salesforce: Some(SideView::written(Some(text("new")), NOW, Some(text("old")))),
        jing: edit(text("new"), EDIT_JING),
    };
    let mut case = Case::new(FieldRule::TwoWay, BlankMeaning::Cleared, text("new"), views);
    let p = case.plan(Direction::SfToJing, text("old"), EDIT_SF);
    assert!(p.is_noop(), "{p:?}");
    assert_eq!(p.skipped, vec![("Title".into(), SkipReason::Unchanged)]);
}

#[test]
fn our_own_write_coming_back_is_unchanged_whatever_its_time() {
    let views = FieldViews {
        salesforce: Some(SideView::written(Some(text("new")), NOW, Some(text("old")))),
        jing: edit(text("new"), EDIT_JING),
    };
    let mut case = Case::new(FieldRule::TwoWay, BlankMeaning::Cleared, text("new"), views);
    for at in [EDIT_SF, LATER] {
        let p = case.plan(Direction::SfToJing, text("new"), at);
        assert_eq!(p.skipped, vec![("Title".into(), SkipReason::Unchanged)]);
    }
}

#[test]
fn a_late_delivery_of_an_older_edit_is_superseded() {
    let views = FieldViews {
        salesforce: edit(text("second"), LATER),
        jing: Some(SideView::written(
            Some(text("second")),
            NOW,
            Some(text("a")),
        )),
    };
    let mut case = Case::new(
        FieldRule::TwoWay,
        BlankMeaning::Cleared,
        text("second"),
        views,
    );
    let p = case.plan(Direction::SfToJing, text("first"), EDIT_SF);
    assert_eq!(p.skipped, vec![("Title".into(), SkipReason::Superseded)]);
}

#[test]
fn a_preferred_edit_overwritten_by_a_fill_wins_and_is_restored() {
    // JING's blank was filled with Salesforce's "s" at NOW; JING had set "j" before that.
    let views = FieldViews {
        salesforce: edit(text("s"), EDIT_SF),
        jing: Some(SideView::written(Some(text("s")), NOW, Some(Value::Empty))),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        text("s"),
        views,
    );
    let p = case.plan(Direction::JingToSf, text("j"), EDIT_JING);
    assert_eq!(p.writes.get("Title"), Some(&text("j")), "{p:?}");
    assert_eq!(p.restore_origin.get("title"), Some(&text("j")));
}

#[test]
fn an_edit_made_before_the_preferred_value_was_noted_takes_the_preferred_value() {
    // Salesforce (preferred) cleared at EDIT_SF, noted at NOW while JING looked empty (nothing
    // written); JING's own edit, made before NOW, arrives afterwards: the clear wins there too.
    let views = FieldViews {
        salesforce: Some(SideView::edit(Some(Value::Empty), EDIT_SF, false, NOW)),
        jing: edit(Value::Empty, EDIT_SF),
    };
    let mut case = Case::new(
        FieldRule::SalesforcePreferred,
        BlankMeaning::Cleared,
        Value::Empty,
        views,
    );
    let p = case.plan(Direction::JingToSf, text("j"), EDIT_JING);
    assert!(p.writes.is_empty(), "{p:?}");
    assert_eq!(p.fill_origin.get("title"), Some(&Value::Empty));
    // An edit made after the clear was noted is the other side's own, held back.
    let p = case.plan(Direction::JingToSf, text("j"), LATER);
    assert!(p.fill_origin.is_empty() && p.is_noop(), "{p:?}");
    assert!(views_of(&p).jing.as_ref().unwrap().held);
}

#[test]
fn without_views_the_last_synced_values_stand_in() {
    let mut case = Case::new(
        FieldRule::TwoWay,
        BlankMeaning::Cleared,
        text("a"),
        FieldViews::default(),
    );
    case.views.clear();
    let p = case.plan(Direction::SfToJing, text("a"), EDIT_SF);
    assert_eq!(p.skipped, vec![("Title".into(), SkipReason::Unchanged)]);
    let p = case.plan(Direction::SfToJing, text("b"), EDIT_SF);
    assert_eq!(p.writes.get("title"), Some(&text("b")));
    let sf = views_of(&p).salesforce.clone().unwrap();
    let jing = views_of(&p).jing.clone().unwrap();
    assert_eq!((sf.by_us, jing.by_us), (false, true));
    assert_eq!(jing.overwritten, Some(text("a")));
}

fn views_of<'p>(p: &'p RecordPlan<'_>) -> &'p FieldViews {
    &p.views
        .iter()
        .find(|(f, _)| *f == "Title")
        .expect("Title's views")
        .1
}

#[test]
fn a_fill_made_from_an_older_value_follows_the_other_sides_change() {
    // JING (preferred) was blank; we filled it at NOW with Salesforce's held "h". A Salesforce
    // change made before NOW arrives late: the fill follows it.
    let views = FieldViews {
        salesforce: edit(text("h"), EDIT_SF),
        jing: Some(SideView::written(None, NOW, Some(Value::Empty))),
    };
    let mut case = Case::new(
        FieldRule::JingPreferred,
        BlankMeaning::Unknown,
        text("h"),
        views,
    );
    let p = case.plan(Direction::SfToJing, text("v"), EDIT_JING);
    assert_eq!(p.writes.get("title"), Some(&text("v")), "{p:?}");
    // A blank made before the fill takes JING back to its own blank.
    let p = case.plan(Direction::SfToJing, Value::Empty, EDIT_JING);
    assert_eq!(p.writes.get("title"), Some(&Value::Empty), "{p:?}");
    // After the fill, JING's value is its own: a later Salesforce edit is held back.
    let p = case.plan(Direction::SfToJing, text("w"), LATER);
    assert!(p.is_noop(), "{p:?}");
    assert!(views_of(&p).salesforce.as_ref().unwrap().held);
}

#[test]
fn an_edit_we_already_overwrote_with_the_preferred_value_costs_no_write() {
    // Salesforce (preferred) set "p", written to JING at NOW over JING's "old"; JING's own edit
    // "o", made before NOW, arrives afterwards: JING already holds "p".
    let views = FieldViews {
        salesforce: Some(SideView::edit(None, EDIT_SF, false, NOW)),
        jing: Some(SideView::written(None, NOW, Some(text("old")))),
    };
    let mut case = Case::new(
        FieldRule::SalesforcePreferred,
        BlankMeaning::Cleared,
        text("p"),
        views,
    );
    let p = case.plan(Direction::JingToSf, text("o"), EDIT_JING);
    assert!(p.is_noop() && p.fill_origin.is_empty(), "{p:?}");
}

#[test]
fn two_edits_in_the_same_second_are_ambiguous_until_read_back() {
    // "S8-27" was applied from a Salesforce edit at EDIT_SF; another delivery of the same
    // second carries "S8": either may be the later one.
    let views = FieldViews {
        salesforce: Some(SideView::edit(None, EDIT_SF, false, NOW)),
        jing: Some(SideView::written(None, NOW, None)),
    };
    let mut case = Case::new(
        FieldRule::TwoWay,
        BlankMeaning::Unknown,
        text("S8-27"),
        views,
    );
    let p = case.plan(Direction::SfToJing, text("S8"), EDIT_SF);
    assert!(p.ambiguous, "{p:?}");
    let p = case.plan(Direction::SfToJing, text("S8-27"), EDIT_SF);
    assert!(!p.ambiguous, "the same value is no question: {p:?}");
    let p = case.plan(Direction::SfToJing, text("S9"), LATER);
    assert!(!p.ambiguous, "a later edit is newer: {p:?}");
    // What the writer reads back from Salesforce is the record as it is now: it is written.
    case.fresh_read = true;
    let p = case.plan(Direction::SfToJing, text("S8"), EDIT_SF);
    assert!(!p.ambiguous);
    assert_eq!(p.writes.get("title"), Some(&text("S8")), "{p:?}");
}
