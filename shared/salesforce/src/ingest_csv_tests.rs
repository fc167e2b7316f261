use super::*;
use serde_json::json;

fn fields(v: Value) -> Fields {
    v.as_object().unwrap().clone()
}

#[test]
fn uploads_escape_cells_and_mark_nulls() {
    let records = [
        fields(
            json!({"LastName": "Ng, \"Jr\"", "Description": "line1\nline2", "NumberOfEmployees": 5}),
        ),
        fields(json!({"LastName": "Li", "Title": null, "Email": ""})),
    ];
    let csv = IngestCsv::build(&records).unwrap();
    let text = String::from_utf8(csv.to_bytes().unwrap()).unwrap();
    let mut lines = text.split('\n');
    let header = lines.next().unwrap();
    assert_eq!(header.split(',').count(), 5);
    assert!(header.contains("LastName") && header.contains("Title"));
    assert!(!text.contains('\r'), "LF line endings");
    let parsed: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(parsed.len(), 2);
    assert!(parsed[0].contains(&"Ng, \"Jr\"".to_owned()));
    assert!(parsed[0].contains(&"line1\nline2".to_owned()));
    assert!(parsed[0].contains(&"5".to_owned()));
    assert_eq!(
        parsed[1].iter().filter(|c| *c == CSV_NULL).count(),
        2,
        "null and empty text clear"
    );
    assert_eq!(
        parsed[1].iter().filter(|c| c.is_empty()).count(),
        2,
        "left-out fields stay as they are"
    );
    assert!(IngestCsv::build(&[fields(json!({"Bad Name": "x"}))]).is_err());
    assert!(IngestCsv::build(&[fields(json!({"LastName": ["x"]}))]).is_err());
}

#[test]
fn results_are_matched_to_rows_by_their_cells_not_their_order() {
    let records = [
        fields(json!({"LastName": "A", "Jing_Id__c": "j1"})),
        fields(json!({"LastName": "B", "Jing_Id__c": "j2"})),
        fields(json!({"LastName": "C", "Jing_Id__c": "j3"})),
        fields(json!({"LastName": "D", "Jing_Id__c": "j4"})),
    ];
    let csv = IngestCsv::build(&records).unwrap();
    // Columns reordered and rows shuffled, as Salesforce may answer.
    let ok = b"\"sf__Id\",\"sf__Created\",\"Jing_Id__c\",\"LastName\"\n\"00Q000000000003EAA\",\"true\",\"j3\",\"C\"\n\"00Q000000000001EAA\",\"true\",\"j1\",\"A\"\n";
    let failed = b"\"sf__Id\",\"sf__Error\",\"LastName\",\"Jing_Id__c\"\n\"\",\"UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001x:--\",\"B\",\"j2\"\n";
    let unprocessed = b"LastName,Jing_Id__c\nD,j4\n";
    let out = csv.outcomes(ok, failed, unprocessed).unwrap();
    assert_eq!(
        out[0],
        IngestRowResult::Done {
            id: SfId::parse("00Q000000000001EAA").unwrap(),
            created: true
        }
    );
    let IngestRowResult::Failed(e) = &out[1] else {
        panic!("{:?}", out[1])
    };
    assert_eq!(e.status_code, "UNABLE_TO_LOCK_ROW");
    assert_eq!(
        e.message,
        "unable to obtain exclusive access to this record or 1 records: 001x"
    );
    assert!(e.fields.is_empty());
    assert!(matches!(out[2], IngestRowResult::Done { .. }));
    assert_eq!(out[3], IngestRowResult::Unprocessed);
    let stray = b"\"sf__Id\",\"sf__Created\",\"LastName\",\"Jing_Id__c\"\n\"00Q000000000005EAA\",\"true\",\"Z\",\"j9\"\n";
    assert!(
        csv.outcomes(stray, b"", b"").is_err(),
        "a result for no row is an error"
    );
}

#[test]
fn errors_keep_their_fields() {
    let e =
        parse_error("REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName--");
    assert_eq!(e.status_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(e.message, "Required fields are missing: [LastName]");
    assert_eq!(e.fields, ["LastName"]);
    assert_eq!(parse_error("WEIRD").status_code, "WEIRD");
}
