//! Bulk API 2.0 ingest through the real client against the strict simulator: a 10,000-row
//! insert job with failing rows, each outcome mapped back onto its input row, and the calls a
//! job costs; the port's restartable form; a job refused as a whole.

mod sim_support;

use std::time::Duration;

use app::ports::{BulkJobState, IngestOp, IngestRow, SalesforcePort, WriteResult};
use domain::{ErrorCode, SfId, Value};
use jingsf_salesforce::{BulkQueryOptions, IngestOperation, IngestRowResult};
use serde_json::json;
use sim_support::*;

const ROWS: usize = 10_000;

fn quick_polls() -> BulkQueryOptions {
    BulkQueryOptions {
        poll_initial: Duration::from_millis(1),
        poll_max: Duration::from_millis(5),
        ..BulkQueryOptions::default()
    }
}

/// Row i: a lead; every 100th lacks LastName, every 250th reuses an existing e-mail
/// (duplicate rule), every 500th has a value the restricted picklist refuses.
fn row(i: usize) -> jingsf_salesforce::Fields {
    let mut f = lead(&format!("Lead {i}, \"{i}\""), "上海科技有限公司");
    f.insert("Jing_Id__c".into(), json!(format!("jing-{i}")));
    f.insert("Email".into(), json!(format!("lead{i}@acme.example")));
    f.insert(
        "Description".into(),
        json!(format!("line one\nline two of {i}")),
    );
    if i % 100 == 7 {
        f.insert("LastName".into(), json!(null));
    }
    if i % 250 == 3 {
        f.insert("Email".into(), json!("taken@acme.example"));
    }
    if i % 500 == 11 {
        f.insert("Region__c".into(), json!("Atlantis"));
    }
    f
}

fn expected_failure(i: usize) -> Option<&'static str> {
    match () {
        _ if i % 100 == 7 => Some("REQUIRED_FIELD_MISSING"),
        _ if i % 250 == 3 => Some("DUPLICATES_DETECTED"),
        _ if i % 500 == 11 => Some("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        _ => None,
    }
}

#[tokio::test]
async fn ten_thousand_rows_insert_in_one_job_and_map_back_to_their_rows() {
    let c = connect().await;
    let taken = json!({"LastName": "Taken", "Company": "Acme", "Email": "taken@acme.example"});
    c.sim.human().create("Lead", taken).unwrap();
    let records: Vec<_> = (0..ROWS).map(row).collect();
    let before = c.sim.calls();
    let report = c
        .client
        .ingest("Lead", &IngestOperation::Insert, &records, &quick_polls())
        .await
        .unwrap();

    assert_eq!(report.job.state, "JobComplete");
    assert_eq!(report.rows.len(), ROWS);
    let failures = (0..ROWS).filter(|i| expected_failure(*i).is_some()).count();
    assert_eq!(report.job.number_records_failed, Some(failures as u64));
    for (i, outcome) in report.rows.iter().enumerate() {
        match (outcome, expected_failure(i)) {
            (IngestRowResult::Done { id, created }, None) => {
                assert!(created);
                let stored = c.sim.record("Lead", id).unwrap();
                assert_eq!(
                    stored["Jing_Id__c"],
                    format!("jing-{i}"),
                    "row {i} got its own id"
                );
                assert_eq!(stored["Description"], format!("line one\nline two of {i}"));
            }
            (IngestRowResult::Failed(e), Some(code)) => assert_eq!(e.status_code, code, "row {i}"),
            (other, wanted) => panic!("row {i}: {other:?}, wanted {wanted:?}"),
        }
    }
    assert_eq!(c.sim.count("Lead"), 1 + ROWS - failures);

    let calls = c.sim.calls();
    let spent = |kind: &str| calls.kind(kind) - before.kind(kind);
    assert_eq!(spent("bulk_ingest_create"), 1);
    assert_eq!(spent("bulk_ingest_upload"), 1);
    assert_eq!(spent("bulk_ingest_state"), 1, "the close");
    assert_eq!(
        spent("bulk_ingest_status"),
        2,
        "polls until the simulator's second"
    );
    // Successful and failed rows; no unprocessed list for a completed job.
    assert_eq!(spent("bulk_ingest_results"), 2);
    assert_eq!(
        calls.total - before.total,
        7,
        "3 + polls + 2 calls for 10,000 rows"
    );
    assert_eq!(c.client.usage().calls_made_by_this_client, 7);
}

#[tokio::test]
async fn the_port_starts_polls_and_reads_results_in_input_order() {
    let c = connect().await;
    let existing = c
        .sim
        .human()
        .create("Lead", json!({"LastName": "Old", "Company": "Acme"}))
        .unwrap();
    let fields = |pairs: &[(&str, &str)]| -> app::ports::Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::Text((*v).into())))
            .collect()
    };
    let rows = vec![
        IngestRow {
            id: Some(existing.clone()),
            fields: fields(&[("Title", "CEO")]),
        },
        IngestRow {
            id: Some(SfId::parse("00Q000000000009EAA").unwrap()),
            fields: fields(&[("Title", "CTO")]),
        },
    ];
    let port: &dyn SalesforcePort = &c.client;
    let job = port
        .ingest_start("Lead", &IngestOp::Update, &rows)
        .await
        .unwrap();
    assert_eq!(
        port.ingest_status(&job.job_id).await.unwrap(),
        BulkJobState::InProgress
    );
    assert_eq!(
        port.ingest_status(&job.job_id).await.unwrap(),
        BulkJobState::Complete { records: 2 }
    );
    let results = port
        .ingest_results("Lead", &job.job_id, &IngestOp::Update, &rows)
        .await
        .unwrap();
    assert_eq!(results[0], WriteResult::Ok(existing.as_str().to_owned()));
    let WriteResult::Failed(e) = &results[1] else {
        panic!("{results:?}")
    };
    assert_eq!(e.code, ErrorCode::BadReference, "{e:?}");
    assert_eq!(c.sim.record("Lead", &existing).unwrap()["Title"], "CEO");
}

#[tokio::test]
async fn a_job_refused_as_a_whole_leaves_every_row_to_send_again() {
    let c = connect().await;
    let records = vec![lead("Ng", "Acme"), lead("Li", "Acme")];
    let report = c
        .client
        .ingest(
            "Lead",
            &IngestOperation::Upsert {
                external_id_field: "LastName".into(),
            },
            &records,
            &quick_polls(),
        )
        .await;
    assert!(
        report.is_err(),
        "LastName is no external id: the job is refused at creation"
    );

    let job = c
        .client
        .ingest_create("Lead", &IngestOperation::Insert)
        .await
        .unwrap();
    c.client.ingest_abort(&job.id).await.unwrap();
    let csv = jingsf_salesforce::IngestCsv::build(&records).unwrap();
    let err = c.client.ingest_upload(&job.id, &csv).await.unwrap_err();
    assert_eq!(err.api_code(), Some("BULK_API_ERROR"), "{err}");

    let port: &dyn SalesforcePort = &c.client;
    let rows: Vec<IngestRow> = ["Ng", "Li"]
        .iter()
        .map(|n| IngestRow {
            id: None,
            fields: [("LastName".to_owned(), Value::Text((*n).into()))].into(),
        })
        .collect();
    let job = port
        .ingest_start("Lead", &IngestOp::Insert, &rows)
        .await
        .unwrap();
    c.sim
        .faults()
        .fail_bulk_jobs("InternalServerError : retries exhausted");
    let BulkJobState::Failed(why) = port.ingest_status(&job.job_id).await.unwrap() else {
        panic!()
    };
    assert!(why.contains("retries exhausted"), "{why}");
    let results = port
        .ingest_results("Lead", &job.job_id, &IngestOp::Insert, &rows)
        .await
        .unwrap();
    assert!(
        results
            .iter()
            .all(|r| matches!(r, WriteResult::Failed(e) if e.code == ErrorCode::RemoteUnavailable)),
        "{results:?}"
    );
    assert_eq!(c.sim.count("Lead"), 0);
}

/// Salesforce purges a job 7 days after it ended: its state is `Gone` (its rows then go the
/// live way), not an error that would stop the initialization at every step.
#[tokio::test]
async fn a_purged_ingest_job_is_gone_not_an_error() {
    let c = connect().await;
    let rows = vec![IngestRow {
        id: None,
        fields: [("LastName".to_owned(), Value::Text("Ng".into()))].into(),
    }];
    let port: &dyn SalesforcePort = &c.client;
    let job = port
        .ingest_start("Lead", &IngestOp::Insert, &rows)
        .await
        .unwrap();
    while port.ingest_status(&job.job_id).await.unwrap() == BulkJobState::InProgress {}
    c.client.ingest_delete(&job.job_id).await.unwrap();
    let state = port.ingest_state(&job.job_id).await.unwrap();
    assert!(
        matches!(&state, app::ports::IngestState::Gone(m) if m.contains("no longer exists")),
        "{state:?}"
    );
}
