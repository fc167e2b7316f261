//! The `/_sim/` seeding and counting endpoints a benchmark uses when the simulator runs as its
//! own process: records created as a back-office user, counted and found, none of it counted
//! as an API call.

use jing_sim::{JingSim, JingSimConfig};
use serde_json::{Value as Json, json};

async fn post(base: &str, path: &str, body: Json) -> Json {
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn seeded_records_are_counted_and_found_without_api_calls() {
    let sim = JingSim::start(JingSimConfig::default()).await.unwrap();
    let base = sim.base_url();
    for start in [0, 250] {
        let r = post(
            &base,
            "/_sim/seed",
            json!({"object": "lead", "count": 250, "start": start}),
        )
        .await;
        assert_eq!(r["code"], 0, "{r}");
    }
    assert_eq!(sim.count("lead"), 500);
    let n = post(&base, "/_sim/count", json!({"object": "lead"})).await;
    assert_eq!(n["data"]["count"], 500);
    let probe = json!({"object": "lead", "field": "email", "value": "lead499@jing-seed.example"});
    let found = post(&base, "/_sim/find", probe).await;
    let list = found["data"]["records"].as_array().unwrap();
    assert_eq!(list.len(), 1, "the second request continued the series");
    assert_eq!(list[0]["fields"]["life_status"], "baby_lead");
    assert_eq!(sim.total_calls(), 0);
    let refused = post(&base, "/_sim/seed", json!({"object": "widget", "count": 1})).await;
    assert_ne!(refused["code"], 0);
}
