//! Idle cost: API calls per day of a connected app with nothing changing and push healthy. The
//! scheduled job (`edge::jobs::poll_all`, what sf-poller and serve's timer run: both safety nets,
//! Salesforce's and JING's) runs as often as the default schedule runs it (every 30 minutes = 48
//! runs a day) over Lead and Account, member matching included when due (every 360 minutes); the
//! figures are each simulator's own count of calls. Goal: ≤ 50 Salesforce calls a day (issue 15;
//! 192 when every object's changes and deletes were separate queries).
//!
//! `cargo run --release -p jingsf --example idle_cost`

#[path = "../tests/convergence/stage.rs"]
mod stage;

use std::time::Duration;

/// The default poll schedule: every 30 minutes.
const RUNS_PER_DAY: u32 = 48;
const INTERVAL: Duration = Duration::from_secs(30 * 60);
const GOAL: u64 = 50;

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
    let (mut queued, mut member_syncs) = (0, 0);
    let members_before = member_sync_at(&stage).await;
    let mut last_sync = members_before;
    for _ in 0..RUNS_PER_DAY {
        stage.advance(INTERVAL);
        // Push is healthy: nothing pending on either push path.
        stage.sf.deliver_outbound().await;
        stage.jing.deliver_webhooks().await;
        let summary = edge::jobs::poll_all(stage.edge()).await;
        if !summary.failed.is_empty() {
            return Err(format!("the scheduled poll failed: {summary:?}").into());
        }
        queued += summary.enqueued + summary.deletes + summary.jing_enqueued;
        let at = member_sync_at(&stage).await;
        if at != last_sync {
            member_syncs += 1;
            last_sync = at;
        }
        stage.drain().await?;
    }
    let after = stage.sf.calls();
    let per_day = after.total - before.total;
    println!(
        "Idle day, push healthy, both pollers every 30 min over Lead and Account ({RUNS_PER_DAY} runs, {member_syncs} member syncs):"
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
    if per_day > GOAL || queued > 0 || member_syncs < 4 {
        return Err(format!(
            "idle cost {per_day} calls/day, {queued} changes queued, {member_syncs} member syncs"
        )
        .into());
    }
    Ok(())
}

/// When members were last matched (the scheduled job records each run).
async fn member_sync_at(stage: &stage::Stage) -> Option<time::OffsetDateTime> {
    let mark =
        edge::jobs::members::MemberMark::load(stage.edge().cursors.as_ref(), &stage.app).await;
    mark.map(|m| m.at)
}
