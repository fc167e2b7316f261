//! Push latency: from a simulated Salesforce edit to the JING write through the push path
//! (outbound message → our listener → durable queue → writer → JING), and from a JING edit to
//! the Salesforce write (webhook → listener → queue → writer → Salesforce), one edit at a
//! time, N edits each way. Prints p50 / p99 / max. Goal: p50 ≤ 1 s, p99 ≤ 3 s locally.
//!
//! The clock starts when the edit is made and the simulator is told to send (the real
//! Salesforce's own queueing delay before it sends an outbound message is outside our code).
//!
//! `cargo run --release -p jingsf --example push_latency [N]`

#[path = "../tests/convergence/stage.rs"]
mod stage;

use serde_json::json;
use std::time::{Duration, Instant};

const DEFAULT_N: usize = 200;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> stage::Result<()> {
    let n = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_N)
        .max(1);
    let mut stage = stage::start(0, |_| {}).await?;
    let mut leads = Vec::with_capacity(n);
    for i in 0..n {
        let id = stage.sf.human().create(
            "Lead",
            json!({"LastName": format!("延迟{i}"), "Company": format!("公司{i}")}),
        )?;
        leads.push(id);
    }
    stage.sync().await?;
    let mut pairs = Vec::with_capacity(n);
    for sf in &leads {
        let b = app::ports::BindingStore::by_sf(
            stage.store(),
            &stage.app,
            domain::ObjectKind::Lead,
            sf,
        )
        .await?
        .ok_or("a lead was not bound by the first sync")?;
        pairs.push((b.sf_id, b.jing_id));
    }
    let mut sf_to_jing = Vec::with_capacity(n);
    for (i, (sf, jing)) in pairs.iter().enumerate() {
        stage.advance(Duration::from_secs(2));
        let title = format!("销售经理 {i}");
        let t0 = Instant::now();
        stage
            .sf
            .human()
            .update("Lead", sf, json!({"Title": title}))?;
        stage.sf.deliver_outbound().await;
        stage.drain().await?;
        let arrived = stage
            .jing
            .record("lead", jing)
            .is_some_and(|r| r.fields.get("title") == Some(&json!(title)));
        sf_to_jing.push(t0.elapsed());
        if !arrived {
            return Err(format!("Salesforce edit {i} did not reach JING").into());
        }
    }
    let mut jing_to_sf = Vec::with_capacity(n);
    for (i, (sf, jing)) in pairs.iter().enumerate() {
        stage.advance(Duration::from_secs(2));
        let title = format!("华东大区 {i}");
        let t0 = Instant::now();
        stage
            .jing
            .human()
            .update("lead", jing, json!({"title": title}))?;
        stage.jing.deliver_webhooks().await;
        stage.drain().await?;
        let arrived = stage
            .sf
            .record("Lead", sf)
            .is_some_and(|r| r["Title"] == json!(title));
        jing_to_sf.push(t0.elapsed());
        if !arrived {
            return Err(format!("JING edit {i} did not reach Salesforce").into());
        }
    }
    println!("Push latency, {n} single edits each way (edit → write on the other side):");
    report("Salesforce → JING (outbound message)", &mut sf_to_jing);
    report("JING → Salesforce (webhook)", &mut jing_to_sf);
    Ok(())
}

fn report(label: &str, samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let (p50, p99, max) = (at(0.50), at(0.99), samples[samples.len() - 1]);
    let ok = p50 <= Duration::from_secs(1) && p99 <= Duration::from_secs(3);
    println!(
        "  {label}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p50 ≤ 1000 ms, p99 ≤ 3000 ms: {})",
        ms(p50),
        ms(p99),
        ms(max),
        if ok { "met" } else { "MISSED" }
    );
}
