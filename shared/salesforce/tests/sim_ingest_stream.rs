//! The streamed ingest upload (issue #15) through the real client against the strict
//! simulator: a job's CSV spooled to a file and sent in chunks arrives whole (every row created
//! and matched back by key), and an upload over the limit is refused as Salesforce refuses it
//! (413 BULK_API_ERROR, read as an API error, not a broken connection; the job stays Open).

mod sim_support;

use app::ports::{IngestOp, IngestRow, IngestState, SalesforcePort, WriteResult};
use domain::Value;
use sf_sim::SimConfig;
use sim_support::*;

/// Enough rows for a CSV of several body chunks (256 KB each).
const ROWS: usize = 20_000;

fn columns() -> Vec<String> {
    ["LastName", "Company", "Description"]
        .map(str::to_owned)
        .to_vec()
}

fn row(i: usize) -> IngestRow {
    let text = |s: String| Value::Text(s.into());
    IngestRow {
        id: None,
        fields: [
            ("LastName".to_owned(), text(format!("Lead {i}, \"{i}\""))),
            ("Company".to_owned(), text("上海科技有限公司".to_owned())),
            ("Description".to_owned(), text(format!("line one\nof {i}"))),
        ]
        .into(),
    }
}

/// Open a job, write `rows` into a spooled upload and send it; the job id and each row's key.
async fn send(port: &dyn SalesforcePort, rows: usize) -> (String, Vec<u64>, usize) {
    let mut upload = port
        .ingest_upload("Lead", &IngestOp::Insert, &columns())
        .unwrap();
    let keys = (0..rows).map(|i| upload.push(&row(i)).unwrap()).collect();
    let bytes = upload.bytes();
    let job = port.ingest_open("Lead", &IngestOp::Insert).await.unwrap();
    let data = upload.finish().unwrap();
    port.ingest_send(&job.job_id, data).await.unwrap();
    (job.job_id, keys, bytes)
}

#[tokio::test]
async fn a_spooled_upload_arrives_whole_and_every_row_maps_back() {
    let c = connect().await;
    let port: &dyn SalesforcePort = &c.client;
    let (job, keys, bytes) = send(port, ROWS).await;
    assert!(bytes > 4 * 256 * 1024, "several chunks: {bytes} bytes");
    let state = loop {
        match port.ingest_state(&job).await.unwrap() {
            IngestState::InProgress => continue,
            state => break state,
        }
    };
    assert_eq!(
        state,
        IngestState::Complete {
            processed: ROWS as u64,
            failed: 0
        }
    );
    let before = c.sim.calls().kind("bulk_ingest_results");
    let results = port
        .ingest_keyed_results("Lead", &job, &columns(), &state)
        .await
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(results.len(), ROWS);
    assert_eq!(
        c.sim.calls().kind("bulk_ingest_results") - before,
        1,
        "nothing failed: the successful list alone"
    );
    let mut got: Vec<u64> = results
        .iter()
        .map(|(k, r)| {
            assert!(matches!(r, WriteResult::Ok(_)), "{r:?}");
            *k
        })
        .collect();
    let mut sent = keys;
    got.sort_unstable();
    sent.sort_unstable();
    assert_eq!(got, sent);
    assert_eq!(c.sim.count("Lead"), ROWS);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_as_salesforce_refuses_it() {
    let cfg = SimConfig {
        bulk_ingest_max_upload_bytes: 300 * 1024,
        ..SimConfig::default()
    };
    let c = connect_with(cfg, fast()).await;
    let port: &dyn SalesforcePort = &c.client;
    let mut upload = port
        .ingest_upload("Lead", &IngestOp::Insert, &columns())
        .unwrap();
    for i in 0..ROWS {
        upload.push(&row(i)).unwrap();
    }
    let job = port.ingest_open("Lead", &IngestOp::Insert).await.unwrap();
    let err = port
        .ingest_send(&job.job_id, upload.finish().unwrap())
        .await
        .unwrap_err();
    assert!(err.0.detail.contains("BULK_API_ERROR"), "{err:?}");
    assert_eq!(
        port.ingest_state(&job.job_id).await.unwrap(),
        IngestState::Open
    );
    assert_eq!(c.sim.count("Lead"), 0);
}
