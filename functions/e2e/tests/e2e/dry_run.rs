//! The dry run on the AWS deployment: the admin-api function behind the gateway, the stores on
//! moto. It answers within its budget (API Gateway cuts at 29 s), sends no write to Salesforce
//! or JING, and writes to AWS only what it must: its answer (kept for the status page), the
//! reservation of each Salesforce call it makes in the day's allocation, and the org's usage
//! those calls report.

use fn_e2e::world::World;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// AWS operations that change something (everything else the counter sees is a read).
fn is_write(operation: &str) -> bool {
    let name = operation.rsplit(['.', ' ']).next().unwrap_or(operation);
    [
        "Put",
        "Update",
        "Delete",
        "BatchWrite",
        "TransactWrite",
        "Send",
        "Create",
        "Change",
    ]
    .iter()
    .any(|w| name.starts_with(w))
        || operation.starts_with("SESv2 POST")
}

fn writes(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter(|(op, _)| is_write(op))
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_answers_through_the_gateway_and_writes_only_its_answer() {
    let w = World::connected(5).await;
    for i in 0..3 {
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("周{i}"), "Company": "成都物流有限公司",
                       "Email": format!("zhou{i}@acme.example")}),
            )
            .expect("lead");
    }
    // One JING already holds (same e-mail): JING's duplicate rules would bind it.
    w.jing
        .human()
        .create_lead(json!({"name": "周0", "company_id": "成都物流有限公司",
                            "email": "ZHOU0@acme.example"}))
        .expect("jing lead");
    let path = format!("/apps/{}/dry-run", w.app);
    let (sf_writes, sf_rows, jing_writes) = (
        w.sf.calls().writes(),
        w.sf.row_writes(),
        w.jing.write_calls(),
    );
    let (sf_total, revision) = (w.sf.calls().total, w.settings().await.revision);
    let before = w.stack.requests.snapshot();

    let dry = w
        .ok(Method::POST, &path, Some(json!({"kind": "init"})))
        .await;

    let written = writes(&before, &w.stack.requests.snapshot());
    let sf_calls = w.sf.calls().total - sf_total;
    assert_eq!(
        written.get("DynamoDB.UpdateItem").copied(),
        Some(sf_calls),
        "one reservation per Salesforce call: {written:?}"
    );
    let puts = written.get("DynamoDB.PutItem").copied().unwrap_or(0);
    assert!(
        (1..=2).contains(&puts) && written.len() == 2,
        "the answer and the org's usage, nothing else: {written:?}"
    );
    assert_eq!(w.settings().await.revision, revision, "settings not saved");
    let bound = app::ports::BindingStore::count(
        w.ports().bindings.as_ref(),
        &w.app,
        domain::ObjectKind::Lead,
    )
    .await
    .expect("bindings");
    assert_eq!(bound, 0, "no binding stored");
    assert_eq!(
        (
            w.sf.calls().writes(),
            w.sf.row_writes(),
            w.jing.write_calls()
        ),
        (sf_writes, sf_rows, jing_writes),
        "nothing written to Salesforce or JING"
    );
    assert_eq!(dry["max_seconds"], 20, "the gateway's budget: {dry}");
    assert_eq!(dry["complete"], true, "{dry}");
    let leads = dry["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["object"] == "lead" && o["direction"] == "sf_to_jing")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (&leads["would_create"], &leads["would_bind"]),
        (&json!(2), &json!(1)),
        "{dry}"
    );
    let last = w.ok(Method::GET, &path, None).await;
    assert_eq!(last["last"], dry, "the status page's copy");
    // More than API Gateway allows is refused before anything is read.
    let (status, refused) = w
        .api(
            Method::POST,
            &path,
            Some(json!({"kind": "init", "max_seconds": 60})),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
}
