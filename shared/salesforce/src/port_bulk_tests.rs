use super::*;
use app::capture::sf_record_change;
use app::settings::{AppSettings, Environment};
use domain::{AppId, Lane, ObjectKind, Value};
use serde_json::json;

/// A Lead describe with one field of every kind the CSV conversion types.
fn describe() -> SfObjectDescribe {
    let f = |name: &str, ty: &str| json!({"name": name, "type": ty, "nillable": true});
    serde_json::from_value(json!({"name": "Lead", "fields": [
        f("Id", "id"), f("SystemModstamp", "datetime"), f("LastModifiedById", "reference"),
        f("LastName", "string"), f("HasOptedOutOfEmail", "boolean"),
        f("NumberOfEmployees", "int"), f("AnnualRevenue", "currency"),
        f("ConvertedDate", "date"), f("EmailBouncedDate", "datetime"),
        f("Interests__c", "multipicklist"), f("Title", "string"),
    ]}))
    .unwrap()
}

/// The default Lead mapping plus one mapped field per extra type.
fn settings() -> AppSettings {
    let mut s = AppSettings::new(
        AppId::parse("acme").unwrap(),
        "Acme",
        Environment::Production,
        "j",
        "59",
    );
    let mapping = &mut s.objects.get_mut(&ObjectKind::Lead).unwrap().mapping;
    let template = mapping[0].clone();
    for (field, ty) in [
        ("HasOptedOutOfEmail", FieldType::Boolean),
        ("NumberOfEmployees", FieldType::Number),
        ("AnnualRevenue", FieldType::Number),
        ("ConvertedDate", FieldType::Date),
        ("EmailBouncedDate", FieldType::DateTime),
        ("Interests__c", FieldType::MultiPicklist),
        ("Title", FieldType::Text { max_len: 128 }),
    ] {
        let mut m = template.clone();
        m.sf_field = field.to_owned();
        m.sf_type = ty;
        mapping.push(m);
    }
    s
}

#[test]
fn a_csv_record_and_a_rest_record_of_the_same_lead_give_identical_changes() {
    let rest: Record = serde_json::from_value(json!({
        "attributes": {"type": "Lead", "url": "/services/data/v62.0/sobjects/Lead/00Q5g00000XyZaBEAV"},
        "Id": "00Q5g00000XyZaBEAV", "SystemModstamp": "2024-05-01T08:17:00.000+0000",
        "LastModifiedById": "005000000000002AAA", "LastName": "Ng", "HasOptedOutOfEmail": true,
        "NumberOfEmployees": 120, "AnnualRevenue": 5000000.5, "ConvertedDate": "2024-04-30",
        "EmailBouncedDate": "2024-04-29T01:02:03.000+0000", "Interests__c": "Cloud;AI",
        "Title": null,
    }))
    .unwrap();
    let csv = b"\"Id\",\"SystemModstamp\",\"LastModifiedById\",\"LastName\",\"HasOptedOutOfEmail\",\"NumberOfEmployees\",\"AnnualRevenue\",\"ConvertedDate\",\"EmailBouncedDate\",\"Interests__c\",\"Title\"\n\
\"00Q5g00000XyZaBEAV\",\"2024-05-01T08:17:00.000Z\",\"005000000000002AAA\",\"Ng\",\"true\",\"120\",\"5000000.5\",\"2024-04-30\",\"2024-04-29T01:02:03.000Z\",\"Cloud;AI\",\n";
    let rows = crate::bulk::CsvRows::new(csv.to_vec()).unwrap();
    let types = column_types(&describe(), rows.headers());
    let bulk = rows.collect::<Result<Vec<_>, _>>().unwrap().remove(0);
    let from_rest = sf_record(rest, false).unwrap();
    let from_csv = sf_record(typed(&types, bulk), false).unwrap();
    let s = settings();
    let a = sf_record_change(&s, ObjectKind::Lead, &from_rest, Lane::Backfill);
    let b = sf_record_change(&s, ObjectKind::Lead, &from_csv, Lane::Backfill);
    assert_eq!(a, b);
    let after = |f: &str| b.fields[f].after.clone();
    assert_eq!(after("HasOptedOutOfEmail"), Value::Bool(true));
    assert_eq!(after("NumberOfEmployees"), Value::Number(120.0));
    assert_eq!(after("AnnualRevenue"), Value::Number(5_000_000.5));
    assert!(matches!(after("ConvertedDate"), Value::Date(_)));
    assert!(matches!(after("EmailBouncedDate"), Value::DateTime(_)));
    assert_eq!(
        after("Interests__c"),
        Value::Multi(vec!["Cloud".into(), "AI".into()])
    );
    assert_eq!(after("Title"), Value::Empty, "an empty CSV cell is Empty");
}

#[test]
fn csv_values_that_do_not_parse_stay_text_and_unknown_columns_pass_through() {
    assert_eq!(
        rest_json(Some(FieldType::Number), json!("12abc")),
        json!("12abc")
    );
    assert_eq!(
        rest_json(Some(FieldType::Boolean), json!("yes")),
        json!("yes")
    );
    assert_eq!(
        rest_json(Some(FieldType::Boolean), json!("false")),
        json!(false)
    );
    assert_eq!(rest_json(None, json!("42")), json!("42"));
    assert_eq!(rest_json(Some(FieldType::Number), Json::Null), Json::Null);
}

#[test]
fn job_states_map_to_the_port() {
    let info = |state: &str| crate::BulkJobInfo {
        id: "750Tn000004ZoR3IAK".into(),
        state: state.into(),
        number_records_processed: Some(7),
        number_records_failed: None,
        error_message: Some("InternalServerError".into()),
    };
    assert_eq!(
        job_state(info("UploadComplete")).unwrap(),
        BulkJobState::InProgress
    );
    assert_eq!(
        job_state(info("JobComplete")).unwrap(),
        BulkJobState::Complete { records: 7 }
    );
    assert!(matches!(
        job_state(info("Aborted")).unwrap(),
        BulkJobState::Failed(m) if m.contains("Aborted")
    ));
    assert!(
        job_state(info("Sideways")).is_err(),
        "unknown states are an error"
    );
    let q = backfill_query(
        "Lead",
        &["Email".into()],
        Some("CreatedDate >= 2024-01-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        q,
        "SELECT Id, SystemModstamp, LastModifiedById, Email FROM Lead WHERE CreatedDate >= 2024-01-01T00:00:00Z"
    );
    assert!(backfill_query("Lead; DROP", &[], None).is_err());
}
