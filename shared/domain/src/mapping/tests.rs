use super::*;
use crate::object::ObjectKind;
use crate::rules::{BlankMeaning, FieldRule};
use crate::value::FieldType;

fn side(fields: &[(&str, FieldType, bool, Option<&str>)]) -> BTreeMap<String, SideField> {
    fields
        .iter()
        .map(|(n, t, r, c)| {
            let f = SideField {
                name: n.to_string(),
                ty: *t,
                required_on_create: *r,
                controller: c.map(str::to_owned),
            };
            (n.to_string(), f)
        })
        .collect()
}

/// Both sides as the Lead spec's defaults describe them, plus some custom fields.
fn lead_fields() -> SideFields {
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let mut sf: Vec<(&str, FieldType, bool, Option<&str>)> = spec
        .defaults
        .iter()
        .map(|d| (d.sf.name, d.sf.ty, false, None))
        .collect();
    sf.extend([
        ("Region__c", FieldType::Picklist, false, None),
        ("Country__c", FieldType::Picklist, false, None),
        (
            "Province__c",
            FieldType::Picklist,
            false,
            Some("Country__c"),
        ),
        ("Tags__c", FieldType::MultiPicklist, false, None),
        ("Notes__c", FieldType::Text { max_len: 50 }, false, None),
        ("Budget__c", FieldType::Number, false, None),
    ]);
    let mut jing: Vec<(&str, FieldType, bool, Option<&str>)> = spec
        .defaults
        .iter()
        .map(|d| (d.jing.name, d.jing.ty, false, None))
        .collect();
    jing.extend([
        ("market", FieldType::Picklist, false, None),
        ("country_region", FieldType::Picklist, false, None),
        ("province", FieldType::Picklist, false, None),
        ("tags", FieldType::MultiPicklist, false, None),
        ("notes", FieldType::Text { max_len: 500 }, false, None),
        ("department", FieldType::Text { max_len: 100 }, true, None),
    ]);
    SideFields {
        salesforce: side(&sf),
        jing: side(&jing),
    }
}

fn custom(sf: &str, jing: &str, fields: &SideFields) -> FieldMapping {
    FieldMapping {
        sf_field: sf.into(),
        jing_field: jing.into(),
        sf_type: fields.salesforce[sf].ty,
        jing_type: fields.jing[jing].ty,
        rule: FieldRule::TwoWay,
        blank: BlankMeaning::Unknown,
        pinned: false,
        options: vec![],
    }
}

fn codes(issues: &[MappingIssue]) -> Vec<(Severity, ErrorCode)> {
    issues.iter().map(|i| (i.severity, i.error.code)).collect()
}

const SF_ONLY: &[Direction] = &[Direction::JingToSf];

#[test]
fn the_default_lead_mapping_is_valid() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let issues = validate(spec, &spec.default_mapping(), &fields, SF_ONLY);
    assert!(issues.is_empty(), "{issues:?}");
}

#[test]
fn option_fields_only_map_to_option_fields_of_the_same_kind() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let mut m = spec.default_mapping();
    m.push(custom("Region__c", "notes", &fields)); // picklist -> text
    m.push(custom("Tags__c", "market", &fields)); // multi -> single
    m.push(custom("Budget__c", "department", &fields)); // number -> text: types differ
    let issues = validate(spec, &m, &fields, &[]);
    let mismatches: Vec<_> = issues
        .iter()
        .filter(|i| i.error.code == ErrorCode::MappingTypeMismatch)
        .collect();
    assert_eq!(mismatches.len(), 3, "{issues:?}");
    assert!(mismatches[0].error.detail.contains("option fields"));
}

#[test]
fn text_narrowing_is_a_warning_not_an_error() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let mut m = spec.default_mapping();
    m.push(custom("Notes__c", "notes", &fields));
    let issues = validate(spec, &m, &fields, &[]);
    assert_eq!(
        codes(&issues),
        vec![(Severity::Warning, ErrorCode::MappingTextNarrowing)]
    );
    assert_eq!(issues[0].error.detail, "500 > 50");
}

#[test]
fn required_on_create_fields_of_the_target_must_be_mapped() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    // Creating in JING requires `department` (required in the JING field metadata).
    let issues = validate(
        spec,
        &spec.default_mapping(),
        &fields,
        &[Direction::SfToJing],
    );
    assert_eq!(
        codes(&issues),
        vec![(Severity::Error, ErrorCode::RequiredFieldUnmapped)]
    );
    assert_eq!(issues[0].error.field.as_deref(), Some("department"));
    // A required field mapped with "do not sync" still counts as unmapped.
    let mut m = spec.default_mapping();
    m.iter_mut().find(|f| f.sf_field == "Company").unwrap().rule = FieldRule::DoNotSync;
    let issues = validate(spec, &m, &fields, SF_ONLY);
    assert!(
        issues
            .iter()
            .any(|i| i.error.code == ErrorCode::RequiredFieldUnmapped
                && i.error.field.as_deref() == Some("Company")),
        "{issues:?}"
    );
}

#[test]
fn a_dependent_picklist_needs_its_controlling_field() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let mut m = spec.default_mapping();
    m.push(custom("Province__c", "province", &fields));
    let issues = validate(spec, &m, &fields, &[]);
    assert_eq!(
        codes(&issues),
        vec![(Severity::Error, ErrorCode::ControllingFieldUnmapped)]
    );
    assert_eq!(issues[0].error.detail, "Country__c");
    m.push(custom("Country__c", "country_region", &fields));
    assert!(validate(spec, &m, &fields, &[]).is_empty());
}

#[test]
fn pinned_defaults_cannot_be_repointed_or_removed_but_their_rule_can_change() {
    let fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    let mut m = spec.default_mapping();
    m.iter_mut().find(|f| f.sf_field == "Email").unwrap().rule = FieldRule::JingPreferred;
    assert!(validate(spec, &m, &fields, &[]).is_empty());

    let mut repointed = spec.default_mapping();
    repointed
        .iter_mut()
        .find(|f| f.sf_field == "Title")
        .unwrap()
        .jing_field = "notes".into();
    let issues = validate(spec, &repointed, &fields, &[]);
    assert!(
        issues
            .iter()
            .any(|i| i.error.code == ErrorCode::PinnedMappingChanged),
        "{issues:?}"
    );

    let removed: Vec<_> = spec
        .default_mapping()
        .into_iter()
        .filter(|f| f.sf_field != "Title")
        .collect();
    let issues = validate(spec, &removed, &fields, &[]);
    assert_eq!(
        codes(&issues),
        vec![(Severity::Error, ErrorCode::PinnedMappingChanged)]
    );
}

#[test]
fn a_deleted_field_and_a_doubly_mapped_target_are_mapping_errors() {
    let mut fields = lead_fields();
    let spec = ObjectSpec::of(ObjectKind::Lead);
    fields.salesforce.remove("Title");
    let mut m = spec.default_mapping();
    let mut dup = custom("Notes__c", "notes", &fields);
    dup.jing_field = "email".into();
    dup.jing_type = FieldType::Email;
    m.push(dup);
    let issues = validate(spec, &m, &fields, &[]);
    let got: Vec<_> = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| i.error.code)
        .collect();
    assert!(got.contains(&ErrorCode::MappedFieldMissing), "{issues:?}");
    assert!(got.contains(&ErrorCode::DuplicateTarget), "{issues:?}");
}
