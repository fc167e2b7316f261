//! What one writer per record costs: the live writer's throughput with the SQLite record claims
//! (as shipped: one immediate transaction to claim a group's records, one to settle them) and
//! with the claims port replaced by a stand-in that grants every claim without storing
//! anything (the writer as it was before claims). Each run starts a fresh connector and both
//! simulators, pushes N new leads from each side (webhooks and outbound messages), drains the
//! queue, then N edits of each side's leads, drains again; the writer's time is measured per
//! direction, and the process's CPU time per change. Runs alternate between the two variants;
//! min/median/max over the runs.
//!
//! ```sh
//! cargo run --release -p jingsf --example claims_cost -- [N=2000] [RUNS=3]
//! ```

#[path = "../tests/convergence/stage.rs"]
mod stage;

use app::ports::{ClaimState, RecordClaims, StoreResult};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every claim granted, nothing stored: the writer without claims.
struct GrantAll;

#[async_trait::async_trait]
impl RecordClaims for GrantAll {
    async fn claim_records(
        &self,
        _: &domain::AppId,
        keys: &[String],
        _: time::OffsetDateTime,
        _: time::OffsetDateTime,
    ) -> StoreResult<Vec<ClaimState>> {
        Ok(vec![ClaimState::Fresh; keys.len()])
    }
    async fn finish_records(&self, _: &domain::AppId, _: &[String]) -> StoreResult<()> {
        Ok(())
    }
    async fn release_records(
        &self,
        _: &domain::AppId,
        _: &[String],
        _: time::OffsetDateTime,
    ) -> StoreResult<()> {
        Ok(())
    }
}

/// Writer seconds per phase of one run, and the process's CPU seconds over the four drains.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    jing_creates: f64,
    sf_creates: f64,
    jing_edits: f64,
    sf_edits: f64,
    cpu: f64,
}

/// This process's CPU seconds (user + system) from `/proc/self/stat` (Linux; 0 elsewhere).
/// Less disturbed than wall time by other work on a shared machine.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 (indexes 11 and 12 after the state), in 1/100 s.
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / 100.0
}

/// Drain the queue and return the seconds it took; add its CPU seconds to `cpu`.
async fn timed_drain(stage: &mut stage::Stage, cpu: &mut f64) -> stage::Result<f64> {
    let (t0, c0) = (Instant::now(), cpu_seconds());
    stage.drain().await?;
    *cpu += cpu_seconds() - c0;
    Ok(t0.elapsed().as_secs_f64())
}

async fn one_run(n: usize, claims: bool) -> stage::Result<Run> {
    let mut stage = stage::start(0, |_| {}).await?;
    if !claims {
        stage.local.edge.ports.claims = Arc::new(GrantAll);
    }
    let mut run = Run::default();
    let mut jing_ids = Vec::with_capacity(n);
    for i in 0..n {
        jing_ids.push(stage.jing.human().create_lead(json!({
            "name": format!("费{i}"), "company_id": "成本科技", "mobile": format!("137{i:08}"),
        }))?);
    }
    stage.jing.deliver_webhooks().await;
    run.jing_creates = timed_drain(&mut stage, &mut run.cpu).await?;
    let mut sf_ids = Vec::with_capacity(n);
    for i in 0..n {
        sf_ids.push(stage.sf.human().create(
            "Lead",
            json!({"LastName": format!("本{i}"), "Company": "成本公司",
                   "MobilePhone": format!("138{i:08}")}),
        )?);
    }
    stage.sf.deliver_outbound().await;
    run.sf_creates = timed_drain(&mut stage, &mut run.cpu).await?;
    stage.advance(Duration::from_secs(2));
    for id in &jing_ids {
        stage
            .jing
            .human()
            .update("lead", id, json!({"title": "改过"}))?;
    }
    stage.jing.deliver_webhooks().await;
    run.jing_edits = timed_drain(&mut stage, &mut run.cpu).await?;
    for id in &sf_ids {
        stage
            .sf
            .human()
            .update("Lead", id, json!({"Title": "改过"}))?;
    }
    stage.sf.deliver_outbound().await;
    run.sf_edits = timed_drain(&mut stage, &mut run.cpu).await?;
    let (in_sf, in_jing) = (stage.sf.count("Lead"), stage.jing.count("lead"));
    if in_sf != 2 * n || in_jing != 2 * n || stage.drained.dead_letters > 0 {
        return Err(format!("run did not converge: {in_sf} / {in_jing} leads").into());
    }
    Ok(run)
}

fn spread(label: &str, n: usize, mut secs: Vec<f64>) -> String {
    secs.sort_by(f64::total_cmp);
    let rate = |s: f64| n as f64 / s.max(1e-9);
    let median = secs[secs.len() / 2];
    format!(
        "{label}: {:.0} / {:.0} / {:.0} records/s",
        rate(secs[secs.len() - 1]),
        rate(median),
        rate(secs[0])
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> stage::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for r in 0..runs {
        for claims in [true, false] {
            let run = one_run(n, claims).await?;
            println!("run {r} claims={claims}: {run:?}");
            if claims { &mut on } else { &mut off }.push(run);
        }
    }
    println!("\nLive writer, {n} leads per phase, {runs} runs each, min / median / max:");
    type Phase = fn(&Run) -> f64;
    let phases: [(&str, Phase); 4] = [
        ("JING → Salesforce creates", |r| r.jing_creates),
        ("Salesforce → JING creates", |r| r.sf_creates),
        ("JING → Salesforce edits", |r| r.jing_edits),
        ("Salesforce → JING edits", |r| r.sf_edits),
    ];
    for (label, phase) in phases {
        println!("  {label}");
        println!(
            "    {}",
            spread("with claims   ", n, on.iter().map(phase).collect())
        );
        println!(
            "    {}",
            spread("without claims", n, off.iter().map(phase).collect())
        );
    }
    println!("  CPU of the whole process (writer and both simulators) per change:");
    for (label, runs) in [("with claims   ", &on), ("without claims", &off)] {
        let mut us: Vec<f64> = runs.iter().map(|r| r.cpu * 1e6 / (4 * n) as f64).collect();
        us.sort_by(f64::total_cmp);
        println!(
            "    {label}: {:.0} / {:.0} / {:.0} µs",
            us[0],
            us[us.len() / 2],
            us[us.len() - 1]
        );
    }
    Ok(())
}
