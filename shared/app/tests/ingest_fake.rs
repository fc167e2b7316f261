//! The fake org's Bulk API 2.0 ingest jobs answer like the client over `sf-sim`: three calls
//! to start, `InProgress` then `Complete`, results in input order for three calls, duplicate
//! rules and missing records failing their own rows only.

use app::fake_remote::FakeSalesforce;
use app::ports::{BulkJobState, Fields, IngestOp, IngestRow, SalesforcePort, WriteResult};
use domain::{ErrorCode, SfId, Value};
use jingsf_app as app;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::text(*v)))
        .collect()
}

fn insert_row(last: &str, email: &str) -> IngestRow {
    IngestRow {
        id: None,
        fields: fields(&[("LastName", last), ("Email", email)]),
    }
}

#[tokio::test]
async fn ingest_jobs_write_rows_and_report_them_in_input_order() {
    let sf = FakeSalesforce::new();
    sf.insert(
        "Lead",
        fields(&[("LastName", "Old"), ("Email", "taken@acme.example")]),
    );
    let rows = vec![
        insert_row("Ng", "ng@acme.example"),
        insert_row("Li", "taken@acme.example"),
        insert_row("Wu", "wu@acme.example"),
    ];
    let job = sf
        .ingest_start("Lead", &IngestOp::Insert, &rows)
        .await
        .unwrap();
    assert_eq!(sf.calls_made(), 3, "create, upload, close");
    let early = sf
        .ingest_results("Lead", &job.job_id, &IngestOp::Insert, &rows)
        .await;
    assert!(early.is_err(), "no results before the job ran");
    assert_eq!(
        sf.ingest_status(&job.job_id).await.unwrap(),
        BulkJobState::InProgress
    );
    assert_eq!(sf.count("Lead"), 1, "nothing written while in progress");
    let done = sf.ingest_status(&job.job_id).await.unwrap();
    assert_eq!(done, BulkJobState::Complete { records: 3 });
    let before = sf.calls_made();
    let results = sf
        .ingest_results("Lead", &job.job_id, &IngestOp::Insert, &rows)
        .await
        .unwrap();
    assert_eq!(sf.calls_made() - before, 3);
    assert!(matches!(&results[0], WriteResult::Ok(_)));
    assert!(
        matches!(&results[1], WriteResult::Failed(e) if e.code == ErrorCode::DuplicateRuleMatched)
    );
    assert!(matches!(&results[2], WriteResult::Ok(_)));
    assert_eq!(sf.count("Lead"), 3);
    assert_eq!(sf.ingest_jobs_started(), 1);
}

#[tokio::test]
async fn updates_of_missing_records_fail_alone() {
    let sf = FakeSalesforce::new();
    let id = sf.insert("Lead", fields(&[("LastName", "Old")]));
    let missing = SfId::parse("00Q000000000999EAA").unwrap();
    let rows = vec![
        IngestRow {
            id: Some(id.clone()),
            fields: fields(&[("Title", "CEO")]),
        },
        IngestRow {
            id: Some(missing),
            fields: fields(&[("Title", "CTO")]),
        },
    ];
    let job = sf
        .ingest_start("Lead", &IngestOp::Update, &rows)
        .await
        .unwrap();
    sf.ingest_status(&job.job_id).await.unwrap();
    sf.ingest_status(&job.job_id).await.unwrap();
    let results = sf
        .ingest_results("Lead", &job.job_id, &IngestOp::Update, &rows)
        .await
        .unwrap();
    assert_eq!(results[0], WriteResult::Ok(id.to_string()));
    assert!(matches!(&results[1], WriteResult::Failed(e) if e.code == ErrorCode::BadReference));
    assert_eq!(sf.record(&id).unwrap()["Title"], Value::text("CEO"));
}
