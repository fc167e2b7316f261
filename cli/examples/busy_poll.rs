//! The cost of a poll with changes, both sides: `n` leads created in JING and `n` in Salesforce
//! while both pushes are lost (JING gives its webhooks up, no outbound messages), then one run of
//! both safety nets and the writer. Prints each simulator's own count of calls: the JING listing,
//! the Salesforce poll, and what the writer spends bringing the changes over, for
//! n = 10, 100, 1000.
//!
//! `cargo run --release -p jingsf --example busy_poll`

#[path = "../tests/convergence/stage.rs"]
mod stage;

use serde_json::json;
use stage::Stage;
use std::collections::BTreeMap;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(30 * 60);

/// Calls by kind made between two snapshots.
fn spent(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = after
        .iter()
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| format!("{k} {d}"))
        })
        .collect();
    let total: u64 = after.values().sum::<u64>() - before.values().sum::<u64>();
    format!("{total} ({})", parts.join(", "))
}

/// JING's webhook at a port nobody listens on.
async fn lose_jing_pushes(stage: &Stage) -> stage::Result<()> {
    let setup = stage.sim.get(&format!("/apps/{}/setup", stage.app)).await?;
    let url = setup["webhook_url"].as_str().ok_or("no webhook_url")?;
    let (_, token) = url.rsplit_once('/').ok_or("no token")?;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let target = format!(
        "http://127.0.0.1:{closed}/jing/webhook/{}/{{token}}",
        stage.app
    );
    stage
        .jing
        .set_webhook(&target, token, setup["webhook_signing_secret"].as_str());
    Ok(())
}

async fn busy(stage: &mut Stage, n: usize, round: usize) -> stage::Result<()> {
    for i in 0..n {
        let mobile = format!("13{round}{i:08}");
        stage.jing.human().create_lead(json!({
            "name": format!("忙{round}-{i}"), "mobile": mobile, "company_id": "忙碌科技",
        }))?;
        stage.sf.human().create(
            "Lead",
            json!({"LastName": format!("Busy{round}-{i}"), "Company": "Busy Inc"}),
        )?;
    }
    for _ in 0..5 {
        stage.jing.deliver_webhooks().await; // refused: JING gives them up
    }
    stage.advance(INTERVAL);
    let (jing0, sf0) = (stage.jing.calls(), stage.sf.calls().by_kind);
    let polled = stage.poll().await?;
    let (jing1, sf1) = (stage.jing.calls(), stage.sf.calls().by_kind);
    stage.drain().await?;
    let (jing2, sf2) = (stage.jing.calls(), stage.sf.calls().by_kind);
    println!("n = {n} changed leads on each side:");
    println!(
        "  queued: {} from the JING listing, {} from the Salesforce poll",
        polled.jing.enqueued, polled.sf.enqueued
    );
    println!("  poll, JING calls: {}", spent(&jing0, &jing1));
    println!("  poll, Salesforce calls: {}", spent(&sf0, &sf1));
    println!("  writer, Salesforce calls: {}", spent(&sf1, &sf2));
    println!("  writer, JING calls: {}", spent(&jing1, &jing2));
    Ok(())
}

/// The next run lists the writer's own JING creates (and re-reads the overlap): their cost.
async fn echoes(stage: &mut Stage) -> stage::Result<()> {
    stage.advance(INTERVAL);
    let (jing0, sf0) = (stage.jing.calls(), stage.sf.calls().by_kind);
    let polled = stage.poll().await?;
    let (jing1, sf1) = (stage.jing.calls(), stage.sf.calls().by_kind);
    stage.drain().await?;
    let (jing2, sf2) = (stage.jing.calls(), stage.sf.calls().by_kind);
    println!(
        "  next run: {} JING records listed back ({} our own writes, {} re-read)",
        polled.jing.enqueued + polled.jing.already_seen,
        polled.jing.own_writes,
        polled.jing.already_seen
    );
    println!("    poll, JING calls: {}", spent(&jing0, &jing1));
    println!("    poll, Salesforce calls: {}", spent(&sf0, &sf1));
    println!("    writer, Salesforce calls: {}", spent(&sf1, &sf2));
    println!("    writer, JING calls: {}", spent(&jing1, &jing2));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> stage::Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    lose_jing_pushes(&stage).await?;
    stage.sf.set_outbound(None);
    // Let the overlap window pass so each measured run lists only its own changes.
    stage.advance(INTERVAL);
    stage.poll().await?;
    for (round, n) in [10, 100, 1000].into_iter().enumerate() {
        busy(&mut stage, n, round + 1).await?;
        echoes(&mut stage).await?;
    }
    Ok(())
}
