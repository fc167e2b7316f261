//! The `/_sim/` control endpoints a benchmark uses when the simulator runs as its own process:
//! seeding many records, counting and finding them, reading the call counters — none of it
//! charged as API calls.

use serde_json::{Value, json};
use sf_sim::{SfSim, SimConfig};

async fn get(base: &str, path: &str) -> Value {
    let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn seeding_counting_and_finding_cost_no_api_calls() {
    let sim = SfSim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url().to_owned();
    let http = reqwest::Client::new();
    for start in [0, 300] {
        let resp = http
            .post(format!("{base}/_sim/seed"))
            .json(&json!({"object": "Lead", "count": 300, "start": start}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(sim.count("Lead"), 600);
    assert_eq!(get(&base, "/_sim/count?object=Lead").await["count"], 600);
    let one = "/_sim/count?object=Lead&field=Email&value=lead599@sf-seed.example";
    assert_eq!(
        get(&base, one).await["count"],
        1,
        "the second request continued the series"
    );
    let found = get(
        &base,
        "/_sim/find?object=Lead&field=Email&value=lead7@sf-seed.example",
    )
    .await;
    let records = found["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Status"], "Open - Not Contacted");
    assert_eq!(records[0]["CreatedById"], sim.human_user_id().as_str());
    let calls = get(&base, "/_sim/calls").await;
    assert_eq!(calls["total"], 0, "control requests are not API calls");
    assert_eq!(sim.api_usage().used, 0);
}

#[tokio::test]
async fn unknown_objects_and_fields_are_refused() {
    let sim = SfSim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{base}/_sim/seed"))
        .json(&json!({"object": "Widget__c", "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = reqwest::get(format!(
        "{base}/_sim/count?object=Lead&field=Nope__c&value=x"
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
}
