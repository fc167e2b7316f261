//! API-call budget of bulk work: 1,000 leads cost 10 create calls, 10 update calls, 10 get
//! calls and 10 list pages (+1 token call), whatever the size of the input.

mod common;

use common::*;
use domain::{ObjectKind, Value};
use jingsf_jing::{FieldTypes, FieldValues, RecordUpdate, WriteOutcome};
use std::time::Instant;
use time::OffsetDateTime;

#[tokio::test]
async fn a_thousand_leads_cost_ten_calls_per_operation() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    let leads: Vec<FieldValues> = (0..1000)
        .map(|i| {
            [
                ("name", format!("线索{i}")),
                ("mobile", format!("139{i:08}")),
                ("email", format!("l{i}@acme.cn")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::text(v)))
            .collect()
        })
        .collect();
    let start = Instant::now();
    let out = client.batch_create("lead", &leads).await.unwrap();
    let create_time = start.elapsed();
    let ids: Vec<_> = out
        .iter()
        .map(|o| match o {
            WriteOutcome::Created(id) => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let updates: Vec<RecordUpdate> = ids
        .iter()
        .map(|id| RecordUpdate {
            id: id.clone(),
            fields: [("title".to_owned(), Value::text("经理"))].into(),
        })
        .collect();
    let start = Instant::now();
    client.batch_update("lead", &updates).await.unwrap();
    let update_time = start.elapsed();
    let types = FieldTypes::defaults(ObjectKind::Lead);
    assert_eq!(
        client
            .get_records("lead", &ids, &types)
            .await
            .unwrap()
            .len(),
        1000
    );
    let (mut n, mut cursor) = (0, None::<String>);
    loop {
        let page = client
            .list_changed(
                "lead",
                OffsetDateTime::UNIX_EPOCH,
                cursor.as_deref(),
                &types,
            )
            .await
            .unwrap();
        n += page.records.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(n, 1000);
    let calls = sim.calls();
    for kind in [
        "object_batch_create",
        "object_batch_update",
        "object_get",
        "object_list",
    ] {
        assert_eq!(calls[kind], 10, "{kind}: {calls:?}");
    }
    assert_eq!(calls["token"], 1);
    assert_eq!(client.calls().total, 41);
    println!(
        "1000 leads: create {create_time:?}, update {update_time:?} against the simulator; calls {calls:?}"
    );
}
