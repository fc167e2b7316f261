use super::*;
use crate::error::ErrorCode;
use serde_json::json;
use std::collections::BTreeMap;
use time::macros::{date, datetime};

fn field(name: &str, ty: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut f = json!({
        "name": name, "label": name, "type": ty, "soapType": "xsd:string", "length": 0,
        "byteLength": 0, "nillable": true, "createable": true, "updateable": true,
        "defaultedOnCreate": false, "calculated": false, "restrictedPicklist": false,
        "dependentPicklist": false, "controllerName": null, "picklistValues": [],
        "referenceTo": [], "inlineHelpText": null, "deprecatedAndHidden": false
    });
    for (k, v) in extra.as_object().unwrap() {
        f[k] = v.clone();
    }
    f
}

fn pick(value: &str, valid_for: Option<&str>) -> serde_json::Value {
    json!({"active": true, "defaultValue": false, "label": value, "value": value, "validFor": valid_for})
}

/// A Lead-like describe in Salesforce's own JSON shape, with keys we don't model.
fn lead_json() -> serde_json::Value {
    json!({
        "name": "Lead", "label": "Lead", "keyPrefix": "00Q", "createable": true, "updateable": true,
        "queryable": true, "childRelationships": [], "recordTypeInfos": [],
        "fields": [
            field("Id", "id", json!({"length": 18, "nillable": false, "createable": false, "updateable": false, "defaultedOnCreate": true})),
            field("LastName", "string", json!({"length": 80, "nillable": false})),
            field("Company", "string", json!({"length": 255, "nillable": false})),
            field("Name", "string", json!({"length": 121, "createable": false, "updateable": false, "calculated": true})),
            field("Email", "email", json!({"length": 80})),
            field("Phone", "phone", json!({"length": 40})),
            field("Website", "url", json!({"length": 255})),
            field("Description", "textarea", json!({"length": 32000})),
            field("Status", "picklist", json!({"length": 255, "nillable": false, "defaultedOnCreate": true,
                "restrictedPicklist": true, "picklistValues": [
                    {"active": true, "defaultValue": true, "label": "Open", "value": "Open", "validFor": null},
                    pick("Working", None),
                    {"active": false, "defaultValue": false, "label": "Old", "value": "Old", "validFor": null}]})),
            field("Industry", "picklist", json!({"length": 255, "picklistValues": [pick("Retail", None)]})),
            field("Country__c", "picklist", json!({"length": 255, "restrictedPicklist": true,
                "picklistValues": [pick("China", None), pick("Japan", None), pick("US", None)]})),
            // Beijing: China only (0x80); Osaka: Japan only (0x40); Anywhere: China and US (0xa0).
            field("City__c", "picklist", json!({"length": 255, "restrictedPicklist": true,
                "dependentPicklist": true, "controllerName": "Country__c", "picklistValues": [
                    pick("Beijing", Some("gAAA")), pick("Osaka", Some("QAAA")), pick("Anywhere", Some("oAAA"))]})),
            field("Interests__c", "multipicklist", json!({"length": 4099, "restrictedPicklist": true,
                "picklistValues": [pick("AI", None), pick("Cloud", None), pick("IoT", None)]})),
            field("Partner__c", "boolean", json!({"nillable": false, "defaultedOnCreate": true})),
            // Reason: "Referral" only when Partner__c is checked (0x40), "Inbound" only when not (0x80).
            field("Reason__c", "picklist", json!({"length": 255, "dependentPicklist": true,
                "controllerName": "Partner__c", "picklistValues": [pick("Referral", Some("QA==")), pick("Inbound", Some("gA=="))]})),
            field("NumberOfEmployees", "int", json!({"digits": 8})),
            field("AnnualRevenue", "currency", json!({"precision": 18, "scale": 0})),
            field("HasOptedOutOfEmail", "boolean", json!({"nillable": false, "defaultedOnCreate": true})),
            field("Visit__c", "date", json!({})),
            field("LastContact__c", "datetime", json!({})),
            field("OwnerId", "reference", json!({"length": 18, "nillable": false, "defaultedOnCreate": true,
                "referenceTo": ["Group", "User"]})),
            field("IsConverted", "boolean", json!({"nillable": false, "defaultedOnCreate": true, "updateable": false})),
            field("Address", "address", json!({"createable": false, "updateable": false})),
            field("Legacy__c", "string", json!({"length": 10, "deprecatedAndHidden": true})),
            field("Score__c", "anyType", json!({}))
        ]
    })
}

fn lead() -> SfObjectDescribe {
    serde_json::from_value(lead_json()).unwrap()
}

fn vals(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn t(s: &str) -> Value {
    Value::text(s)
}

fn base() -> Vec<(&'static str, Value)> {
    vec![("LastName", t("Ng")), ("Company", t("Acme"))]
}

fn codes(errors: &[crate::SyncError]) -> Vec<(ErrorCode, String)> {
    errors
        .iter()
        .map(|e| (e.code, e.field.clone().unwrap_or_default()))
        .collect()
}

fn create(extra: &[(&str, Value)]) -> Vec<crate::SyncError> {
    let mut all = base();
    all.extend(extra.iter().cloned());
    preflight(&lead(), &vals(&all), WriteMode::Create, None)
}

#[test]
fn describe_json_deserializes_with_unknown_keys_ignored() {
    let d = lead();
    assert_eq!(d.name, "Lead");
    assert_eq!(d.fields.len(), 25);
    let status = d.field("Status").unwrap();
    assert_eq!(status.sf_type, SfFieldType::Picklist);
    assert!(status.restricted_picklist && status.defaulted_on_create);
    assert_eq!(status.picklist_values[0].label.as_deref(), Some("Open"));
    assert!(status.picklist_values[0].default_value);
    assert_eq!(
        d.field("City__c").unwrap().controller_name.as_deref(),
        Some("Country__c")
    );
    assert_eq!(
        d.field("OwnerId").unwrap().reference_to,
        vec!["Group", "User"]
    );
    assert_eq!(d.field("Score__c").unwrap().sf_type, SfFieldType::Other);
    let nulls: SfFieldDescribe = serde_json::from_value(
        json!({"name": "X", "type": "string", "picklistValues": null, "referenceTo": null}),
    )
    .unwrap();
    assert!(nulls.picklist_values.is_empty() && nulls.reference_to.is_empty());
}

#[test]
fn field_lookup_is_case_insensitive() {
    let d = lead();
    assert_eq!(d.field("lastname").unwrap().name, "LastName");
    assert_eq!(d.field("COUNTRY__C").unwrap().name, "Country__c");
    assert!(d.field("Nope").is_none());
}

#[test]
fn required_on_create_excludes_defaulted_booleans_and_read_only() {
    let d = lead();
    let required: Vec<&str> = d.required_on_create().map(|f| f.name.as_str()).collect();
    assert_eq!(required, vec!["LastName", "Company"]);
}

#[test]
fn field_types_map_to_the_value_model() {
    let d = lead();
    let ty = |n: &str| d.field(n).unwrap().field_type();
    assert_eq!(ty("LastName"), Some(FieldType::Text { max_len: 80 }));
    assert_eq!(ty("Description"), Some(FieldType::Text { max_len: 32000 }));
    assert_eq!(ty("Email"), Some(FieldType::Email));
    assert_eq!(ty("Phone"), Some(FieldType::Phone));
    assert_eq!(ty("Website"), Some(FieldType::Url));
    assert_eq!(ty("Status"), Some(FieldType::Picklist));
    assert_eq!(ty("Interests__c"), Some(FieldType::MultiPicklist));
    assert_eq!(ty("NumberOfEmployees"), Some(FieldType::Number));
    assert_eq!(ty("AnnualRevenue"), Some(FieldType::Number));
    assert_eq!(ty("HasOptedOutOfEmail"), Some(FieldType::Boolean));
    assert_eq!(ty("Visit__c"), Some(FieldType::Date));
    assert_eq!(ty("LastContact__c"), Some(FieldType::DateTime));
    assert_eq!(ty("OwnerId"), Some(FieldType::Reference));
    assert_eq!(ty("Id"), Some(FieldType::Reference));
    assert_eq!(ty("Address"), None);
    assert_eq!(ty("Score__c"), None);
}

#[test]
fn a_clean_create_passes() {
    let errors = create(&[
        ("Email", t("ng@acme.example")),
        ("Status", t("Working")),
        ("Industry", t("Anything goes")),
        ("Country__c", t("China")),
        ("City__c", t("Beijing")),
        (
            "Interests__c",
            Value::Multi(vec!["AI".into(), "IoT".into()]),
        ),
        ("NumberOfEmployees", Value::Number(120.0)),
        ("AnnualRevenue", Value::Number(1.5e6)),
        ("HasOptedOutOfEmail", Value::Bool(false)),
        ("Visit__c", Value::Date(date!(2024 - 05 - 01))),
        (
            "LastContact__c",
            Value::DateTime(datetime!(2024-05-01 10:00 UTC)),
        ),
        ("OwnerId", t("005000000000001")),
        ("Description", t("x")),
    ]);
    assert_eq!(codes(&errors), vec![]);
}

#[test]
fn missing_or_blank_required_values_are_reported_on_create() {
    let errors = preflight(
        &lead(),
        &vals(&[("Company", t("  "))]),
        WriteMode::Create,
        None,
    );
    let mut got = codes(&errors);
    got.sort();
    assert_eq!(
        got,
        vec![
            (ErrorCode::RequiredValueMissing, "Company".into()),
            (ErrorCode::RequiredValueMissing, "LastName".into()),
        ]
    );
    assert!(errors.iter().all(|e| e.object.as_deref() == Some("Lead")));
}

#[test]
fn blanking_a_non_nillable_field_on_update_is_refused() {
    let d = lead();
    let update = |pairs: &[(&str, Value)]| preflight(&d, &vals(pairs), WriteMode::Update, None);
    assert_eq!(
        codes(&update(&[("LastName", Value::Empty)])),
        vec![(ErrorCode::RequiredValueMissing, "LastName".into())]
    );
    assert_eq!(
        codes(&update(&[("Status", t(""))])),
        vec![(ErrorCode::RequiredValueMissing, "Status".into())]
    );
    assert!(
        update(&[("FirstName", Value::Empty)]).len() == 1,
        "FirstName is not in this describe"
    );
    assert!(update(&[("Email", Value::Empty), ("Industry", Value::Empty)]).is_empty());
    // Update does not demand the required fields the write doesn't touch.
    assert!(update(&[("Email", t("a@b.cn"))]).is_empty());
}

#[test]
fn unknown_hidden_and_read_only_fields_are_refused() {
    let errors = create(&[("Nope__c", t("x")), ("Legacy__c", t("x")), ("Name", t("x"))]);
    assert_eq!(
        codes(&errors),
        vec![
            (ErrorCode::MappedFieldMissing, "Legacy__c".into()),
            (ErrorCode::FieldNotAccessible, "Name".into()),
            (ErrorCode::MappedFieldMissing, "Nope__c".into()),
        ]
    );
    let update = preflight(
        &lead(),
        &vals(&[("IsConverted", Value::Bool(true))]),
        WriteMode::Update,
        None,
    );
    assert_eq!(
        codes(&update),
        vec![(ErrorCode::FieldNotAccessible, "IsConverted".into())]
    );
}

#[test]
fn length_counts_characters_not_bytes() {
    let eighty = "张".repeat(80);
    assert!(
        create(&[("LastName", t(&eighty))]).is_empty(),
        "240 bytes but 80 characters"
    );
    let errors = create(&[("LastName", t(&"张".repeat(81)))]);
    assert_eq!(
        codes(&errors),
        vec![(ErrorCode::ValueTooLong, "LastName".into())]
    );
    assert_eq!(errors[0].detail, "max length=80");
    let phone = create(&[("Phone", t(&"1".repeat(41)))]);
    assert_eq!(phone[0].detail, "max length=40");
}

#[test]
fn restricted_picklists_accept_only_active_values() {
    assert_eq!(
        codes(&create(&[("Status", t("Closed"))])),
        vec![(ErrorCode::InvalidPicklistValue, "Status".into())]
    );
    let inactive = create(&[("Status", t("Old"))]);
    assert_eq!(inactive[0].code, ErrorCode::InvalidPicklistValue);
    assert_eq!(inactive[0].detail, "Old");
    assert_eq!(
        create(&[("Status", t("open"))]).len(),
        1,
        "API values match exactly"
    );
    assert!(
        create(&[("Industry", t("Not in the list"))]).is_empty(),
        "unrestricted"
    );
    assert_eq!(
        create(&[(
            "Status",
            Value::Multi(vec!["Open".into(), "Working".into()])
        )])[0]
            .code,
        ErrorCode::InvalidValue
    );
}

#[test]
fn multi_picklists_check_each_value() {
    let bad = create(&[(
        "Interests__c",
        Value::Multi(vec!["AI".into(), "Blockchain".into()]),
    )]);
    assert_eq!(
        codes(&bad),
        vec![(ErrorCode::InvalidPicklistValue, "Interests__c".into())]
    );
    assert_eq!(bad[0].detail, "Blockchain");
    assert!(create(&[("Interests__c", t("AI;Cloud"))]).is_empty());
    assert_eq!(create(&[("Interests__c", t("AI;Web3"))])[0].detail, "Web3");
}

#[test]
fn dependent_values_follow_the_controller_in_the_write() {
    assert!(create(&[("Country__c", t("China")), ("City__c", t("Beijing"))]).is_empty());
    assert!(create(&[("Country__c", t("US")), ("City__c", t("Anywhere"))]).is_empty());
    let wrong = create(&[("Country__c", t("China")), ("City__c", t("Osaka"))]);
    assert_eq!(
        codes(&wrong),
        vec![(ErrorCode::InvalidDependentValue, "City__c".into())]
    );
    assert_eq!(wrong[0].detail, "Osaka");
    assert_eq!(
        create(&[("Country__c", t("Japan")), ("City__c", t("Anywhere"))]).len(),
        1
    );
    // Controller blank on create (no default): no dependent value is valid.
    assert_eq!(
        create(&[("City__c", t("Beijing"))])[0].code,
        ErrorCode::InvalidDependentValue
    );
}

#[test]
fn dependent_values_on_update_use_the_current_controller() {
    let d = lead();
    let current = vals(&[("Country__c", t("Japan"))]);
    let update = |pairs: &[(&str, Value)], cur| preflight(&d, &vals(pairs), WriteMode::Update, cur);
    assert!(update(&[("City__c", t("Osaka"))], Some(&current)).is_empty());
    assert_eq!(
        update(&[("City__c", t("Beijing"))], Some(&current)).len(),
        1
    );
    // The write's own controller value wins over the current one.
    assert!(
        update(
            &[("country__c", t("China")), ("City__c", t("Beijing"))],
            Some(&current)
        )
        .is_empty()
    );
    // Without the current record the controller is unknown: the check is left to Salesforce.
    assert!(update(&[("City__c", t("Beijing"))], None).is_empty());
}

#[test]
fn checkbox_controllers_index_false_then_true() {
    assert!(
        create(&[
            ("Partner__c", Value::Bool(true)),
            ("Reason__c", t("Referral"))
        ])
        .is_empty()
    );
    assert!(
        create(&[
            ("Partner__c", Value::Bool(false)),
            ("Reason__c", t("Inbound"))
        ])
        .is_empty()
    );
    assert_eq!(
        create(&[
            ("Partner__c", Value::Bool(false)),
            ("Reason__c", t("Referral"))
        ])
        .len(),
        1
    );
    // An unchecked (absent) checkbox is false.
    assert!(create(&[("Reason__c", t("Inbound"))]).is_empty());
    assert_eq!(
        create(&[("Reason__c", t("Referral"))])[0].code,
        ErrorCode::InvalidDependentValue
    );
}

#[test]
fn emails_get_a_pragmatic_format_check() {
    for ok in ["ng@acme.example", "a.b+tag@sub.acme.cn", "O'Brien@acme.io"] {
        assert!(create(&[("Email", t(ok))]).is_empty(), "{ok}");
    }
    for bad in [
        "ng",
        "ng@acme",
        "ng@@acme.com",
        "n g@acme.com",
        "ng@acme..com",
        ".ng@acme.com",
        "ng@-acme.com",
        "ng@acme.c0m",
        "张@acme.com",
    ] {
        assert_eq!(
            codes(&create(&[("Email", t(bad))])),
            vec![(ErrorCode::InvalidEmail, "Email".into())],
            "{bad}"
        );
    }
    let long = format!("{}@{}.example", "a".repeat(60), "b".repeat(20));
    assert_eq!(
        create(&[("Email", t(&long))])[0].code,
        ErrorCode::ValueTooLong
    );
}

#[test]
fn type_mismatches_are_invalid_values() {
    let cases = [
        ("NumberOfEmployees", t("many")),
        ("NumberOfEmployees", Value::Number(1.5)),
        ("AnnualRevenue", Value::Bool(true)),
        ("AnnualRevenue", Value::Number(f64::INFINITY)),
        ("HasOptedOutOfEmail", t("yes")),
        ("Visit__c", Value::DateTime(datetime!(2024-05-01 10:00 UTC))),
        ("Visit__c", t("01/05/2024")),
        ("LastContact__c", Value::Date(date!(2024 - 05 - 01))),
        ("OwnerId", t("not-an-id")),
    ];
    for (name, value) in cases {
        let errors = create(&[(name, value.clone())]);
        assert_eq!(
            codes(&errors),
            vec![(ErrorCode::InvalidValue, name.to_string())],
            "{value:?}"
        );
        assert!(errors[0].detail.starts_with(name));
    }
    let accepted = [
        ("NumberOfEmployees", t(" 42 ")),
        ("AnnualRevenue", t("1.25")),
        ("HasOptedOutOfEmail", t("TRUE")),
        ("Visit__c", t("2024-05-01")),
        ("LastContact__c", t("2024-05-01T10:00:00.000+0000")),
    ];
    for (name, value) in accepted {
        assert!(
            create(&[(name, value.clone())]).is_empty(),
            "{name} {value:?}"
        );
    }
}

#[test]
fn objects_the_user_cannot_write_are_refused_once() {
    let mut d = lead();
    d.createable = false;
    let errors = preflight(&d, &vals(&base()), WriteMode::Create, None);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, ErrorCode::ObjectNotAccessible);
    assert_eq!(errors[0].detail, "create");
    assert!(preflight(&d, &vals(&base()), WriteMode::Update, None).is_empty());
}

fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Value::Empty),
        "\\PC{0,90}".prop_map(|s| Value::Text(s.into())),
        any::<f64>().prop_map(Value::Number),
        any::<bool>().prop_map(Value::Bool),
        prop::collection::vec("[A-Za-z;]{0,6}", 0..4).prop_map(Value::Multi),
        (0i64..4_000_000_000).prop_map(|s| {
            Value::DateTime(time::OffsetDateTime::from_unix_timestamp(s).unwrap())
        }),
    ]
}

proptest::proptest! {
    #[test]
    fn preflight_never_panics_and_always_names_field_and_object(
        writes in proptest::collection::btree_map(
            proptest::sample::select(lead().fields.iter().map(|f| f.name.clone()).chain(["X__c".to_string()]).collect::<Vec<_>>()),
            any_value(),
            0..12,
        ),
        create_mode in proptest::prelude::any::<bool>(),
    ) {
        let mode = if create_mode { WriteMode::Create } else { WriteMode::Update };
        for e in preflight(&lead(), &writes, mode, None) {
            proptest::prop_assert_eq!(e.object.as_deref(), Some("Lead"));
            proptest::prop_assert!(e.field.is_some(), "{e:?}");
        }
    }
}
