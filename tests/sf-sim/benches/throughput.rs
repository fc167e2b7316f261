//! Simulator throughput: requests per second for typical connector calls.
//! Run: `cargo bench -p sf-sim --bench throughput` (release profile).

use serde_json::json;
use sf_sim::{SfSim, SimConfig};
use std::time::Instant;

const N: usize = 2000;

#[tokio::main]
async fn main() {
    let sim = SfSim::start(SimConfig {
        daily_api_limit: 10_000_000,
        duplicate_rules: false,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let token = sim.access_token();
    let http = reqwest::Client::new();
    let base = format!("{}/services/data/v62.0", sim.base_url());

    let records: Vec<_> = (0..200).map(|i| json!({"attributes": {"type": "Lead"}, "LastName": format!("L{i}"), "Company": "Acme"})).collect();
    let t = Instant::now();
    for _ in 0..10 {
        let r = http
            .post(format!("{base}/composite/sobjects"))
            .bearer_auth(&token)
            .json(&json!({"records": records}))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
    }
    report("collections create (200 records/call)", 10, t);

    let id = sim
        .human()
        .create("Lead", json!({"LastName": "Bench", "Company": "Acme"}))
        .expect("created");
    let t = Instant::now();
    for _ in 0..N {
        let r = http
            .get(format!("{base}/sobjects/Lead/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200);
        r.bytes().await.expect("body");
    }
    report("GET sobject, sequential", N, t);

    let t = Instant::now();
    let mut tasks = vec![];
    for _ in 0..8 {
        let (http, token, url) = (
            http.clone(),
            token.clone(),
            format!("{base}/sobjects/Lead/{id}"),
        );
        tasks.push(tokio::spawn(async move {
            for _ in 0..N / 8 {
                let r = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("sent");
                r.bytes().await.expect("body");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    report("GET sobject, 8 concurrent clients", N, t);

    let t = Instant::now();
    for _ in 0..100 {
        let r = http.get(format!("{base}/query")).query(&[("q", "SELECT Id, LastName, Owner.Email FROM Lead WHERE Company = 'Acme' ORDER BY SystemModstamp, Id")]).bearer_auth(&token).send().await.expect("sent");
        assert_eq!(r.status(), 200);
        r.bytes().await.expect("body");
    }
    report("SOQL query over 2001 leads (first page of 2000)", 100, t);
    println!("API calls counted: {}", sim.api_usage().used);
}

fn report(what: &str, n: usize, t: Instant) {
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{what}: {n} requests in {secs:.3}s = {:.0} req/s",
        n as f64 / secs
    );
}
