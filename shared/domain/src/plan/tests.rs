use super::*;
use crate::object::ObjectKind;
use crate::rules::FieldRule;
use crate::spec::ObjectSpec;
use crate::value::FieldType;
use time::macros::datetime;

fn fc(v: Value) -> FieldChange {
    FieldChange {
        before: None,
        after: v,
    }
}

fn lead_mapping() -> Vec<FieldMapping> {
    ObjectSpec::of(ObjectKind::Lead).default_mapping()
}

fn input<'a>(
    direction: Direction,
    mapping: &'a [FieldMapping],
    incoming: &'a BTreeMap<String, FieldChange>,
    last: Option<&'a BTreeMap<String, Value>>,
) -> PlanInput<'a, 'a> {
    PlanInput {
        direction,
        direction_enabled: true,
        mapping,
        incoming,
        incoming_at: datetime!(2024-05-01 10:00 UTC),
        last_synced: last,
        target_current: None,
        target_changed_at: None,
        concurrent: false,
        field_sync: None,
        views: None,
        now: datetime!(2024-05-01 10:05 UTC),
        own_save: false,
        fresh_read: false,
    }
}

#[test]
fn a_jing_lead_maps_to_salesforce_fields_with_option_translation() {
    let mapping = lead_mapping();
    let incoming: BTreeMap<String, FieldChange> = [
        ("name", fc(Value::text("张三"))),
        ("mobile", fc(Value::text("13800138000"))),
        ("life_status", fc(Value::text("baby_lead"))),
        ("lead_pool", fc(Value::text("market"))), // unmapped: ignored
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let p = plan(&input(Direction::JingToSf, &mapping, &incoming, None));
    assert_eq!(p.writes.len(), 3, "{p:?}");
    assert_eq!(p.writes["LastName"], Value::text("张三"));
    assert_eq!(p.writes["Status"], Value::text("Open - Not Contacted"));
    assert_eq!(p.synced["Status"], Value::text("Open - Not Contacted"));
}

#[test]
fn salesforce_values_translate_back_and_unchanged_fields_are_skipped() {
    let mapping = lead_mapping();
    let incoming: BTreeMap<String, FieldChange> = [
        ("Status", fc(Value::text("Working - Contacted"))),
        ("Email", fc(Value::text("a@b.cn"))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let last: BTreeMap<String, Value> = [("Email".to_string(), Value::text("a@b.cn"))].into();
    let p = plan(&input(
        Direction::SfToJing,
        &mapping,
        &incoming,
        Some(&last),
    ));
    assert_eq!(p.writes.len(), 1);
    assert_eq!(p.writes["life_status"], Value::text("following"));
    assert_eq!(p.synced["Status"], Value::text("Working - Contacted"));
    assert!(
        p.skipped
            .contains(&("Email".to_string(), SkipReason::Unchanged))
    );
}

#[test]
fn a_direction_that_is_off_plans_nothing() {
    let mapping = lead_mapping();
    let incoming: BTreeMap<String, FieldChange> =
        [("name".to_string(), fc(Value::text("x")))].into();
    let mut i = input(Direction::JingToSf, &mapping, &incoming, None);
    i.direction_enabled = false;
    assert!(plan(&i).is_noop());
}

#[test]
fn do_not_sync_fields_are_skipped() {
    let mut mapping = lead_mapping();
    mapping
        .iter_mut()
        .for_each(|m| m.rule = FieldRule::DoNotSync);
    let incoming: BTreeMap<String, FieldChange> =
        [("name".to_string(), fc(Value::text("x")))].into();
    let p = plan(&input(Direction::JingToSf, &mapping, &incoming, None));
    assert!(p.is_noop());
    assert_eq!(
        p.skipped,
        vec![("LastName".to_string(), SkipReason::DoNotSync)]
    );
}

#[test]
fn values_are_converted_between_types() {
    let m = FieldMapping {
        sf_field: "Budget__c".into(),
        jing_field: "budget".into(),
        sf_type: FieldType::Number,
        jing_type: FieldType::Text { max_len: 20 },
        rule: FieldRule::TwoWay,
        blank: Default::default(),
        pinned: false,
        options: vec![],
    };
    assert_eq!(
        convert(&Value::Number(42.0), &m, Side::Salesforce),
        Value::text("42")
    );
    assert_eq!(
        convert(&Value::text("42.5"), &m, Side::Jing),
        Value::Number(42.5)
    );
}

#[test]
fn mobiles_reach_jing_normalized() {
    let m = lead_mapping();
    let mobile = m.iter().find(|f| f.sf_field == "MobilePhone").unwrap();
    assert_eq!(
        convert(&Value::text("+86 138 0013 8000"), mobile, Side::Salesforce),
        Value::text("13800138000")
    );
    assert_eq!(
        convert(&Value::text("(+86)13800138000"), mobile, Side::Salesforce),
        Value::text("13800138000")
    );
    // Towards Salesforce the number is kept as typed.
    assert_eq!(
        convert(&Value::text("138-0013-8000"), mobile, Side::Jing),
        Value::text("138-0013-8000")
    );
}

#[test]
fn a_phone_that_differs_only_in_format_is_unchanged() {
    let mapping = lead_mapping();
    let incoming: BTreeMap<String, FieldChange> =
        [("mobile".to_string(), fc(Value::text("13800138000")))].into();
    let last: BTreeMap<String, Value> =
        [("MobilePhone".to_string(), Value::text("+86 138 0013 8000"))].into();
    let p = plan(&input(
        Direction::JingToSf,
        &mapping,
        &incoming,
        Some(&last),
    ));
    assert!(p.is_noop(), "{p:?}");
    assert_eq!(
        p.skipped,
        vec![("MobilePhone".to_string(), SkipReason::Unchanged)]
    );
}
