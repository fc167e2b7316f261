//! Idle cost: API calls per day of a connected app with nothing changing and push healthy. Both
//! safety nets (Salesforce's and JING's) run as often as the default schedule runs them (every
//! 30 minutes = 48 runs a day) over Lead and Account; the figures are each simulator's own count
//! of calls. Goal: ≤ 300 Salesforce calls a day.
//!
//! `cargo run --release -p jingsf --example idle_cost`

#[path = "../tests/convergence/stage.rs"]
mod stage;

use std::time::Duration;

/// The default poll schedule: every 30 minutes.
const RUNS_PER_DAY: u32 = 48;
const INTERVAL: Duration = Duration::from_secs(30 * 60);
const GOAL: u64 = 300;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> stage::Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    // Some data to be idle over: leads and accounts on both sides, synced.
    for i in 0..50 {
        stage.sf.human().create(
            "Lead",
            serde_json::json!({"LastName": format!("闲置{i}"), "Company": format!("公司{i}")}),
        )?;
        stage.sf.human().create(
            "Account",
            serde_json::json!({"Name": format!("闲置客户{i}")}),
        )?;
    }
    stage.sync().await?;
    // Let the overlap window pass so the day starts with nothing left to re-read.
    stage.advance(INTERVAL);
    stage.poll().await?;
    let before = stage.sf.calls();
    let (jing_before, jing_by_kind) = (stage.jing.total_calls(), stage.jing.calls());
    let mut queued = 0;
    for _ in 0..RUNS_PER_DAY {
        stage.advance(INTERVAL);
        // Push is healthy: nothing pending on either push path.
        stage.sf.deliver_outbound().await;
        stage.jing.deliver_webhooks().await;
        let report = stage.poll().await?;
        queued += report.sf.enqueued + report.sf.deletes + report.jing.enqueued;
        stage.drain().await?;
    }
    let after = stage.sf.calls();
    let per_day = after.total - before.total;
    println!(
        "Idle day, push healthy, both pollers every 30 min over Lead and Account ({RUNS_PER_DAY} runs):"
    );
    println!("  Salesforce calls charged: {per_day} per day (goal ≤ {GOAL})");
    for (kind, n) in &after.by_kind {
        let was = before.by_kind.get(kind).copied().unwrap_or(0);
        if *n > was {
            println!("    {kind}: {}", n - was);
        }
    }
    println!(
        "  JING calls: {} per day",
        stage.jing.total_calls() - jing_before
    );
    for (kind, n) in stage.jing.calls() {
        let was = jing_by_kind.get(&kind).copied().unwrap_or(0);
        if n > was {
            println!("    {kind}: {}", n - was);
        }
    }
    println!("  changes queued by the idle poller: {queued}");
    if per_day > GOAL || queued > 0 {
        return Err(format!("idle cost {per_day} calls/day, {queued} changes queued").into());
    }
    Ok(())
}
