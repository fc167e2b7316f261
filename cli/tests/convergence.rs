//! The convergence model test: seeded random sequences of human operations on both simulators
//! (create, update, clear, delete/invalidate, lead conversion, owner change) under all four
//! field rules and both blank semantics, interleaved with full sync runs (outbound messages,
//! webhooks, the poller, the writer through the real HTTP push paths) and injected faults
//! (503 bursts, expired tokens, lost, duplicated and reordered deliveries). After every sync
//! both systems must equal an independent reference model, and no connector write may be an
//! echo. Seeds: a fixed list, or `CONVERGENCE_SEED=a,b,c`; every failure names its seed.

#[path = "convergence/check.rs"]
mod check;
#[path = "convergence/lead.rs"]
mod lead;
#[path = "convergence/model.rs"]
mod model;
#[path = "convergence/ops.rs"]
mod ops;
#[path = "convergence/stage.rs"]
mod stage;

use check::Seen;
use model::{Side, State};
use ops::World;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sf_sim::Fault;
use stage::Stage;
use std::collections::BTreeMap;

const SEEDS: [u64; 4] = [20_261_125, 7, 424_242, 1_000_003];
const OPS_PER_SEED: usize = 2_500;
const MEMBERS: usize = 3;

/// The fixed list, or only the seeds in `CONVERGENCE_SEED` (comma-separated) to reproduce or
/// explore.
fn seeds() -> Vec<u64> {
    match std::env::var("CONVERGENCE_SEED") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("CONVERGENCE_SEED: u64s, comma-separated")
            })
            .collect(),
        Err(_) => SEEDS.to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_systems_converge_to_the_reference_model() {
    // `CONVERGENCE_LOG=app::write=debug` shows every planned record.
    if let Ok(filter) = std::env::var("CONVERGENCE_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    // `CONVERGENCE_OPS` shortens a local investigation; the suite runs the full length.
    let per_seed = std::env::var("CONVERGENCE_OPS")
        .ok()
        .and_then(|s| s.trim().parse().ok());
    let mut total_ops = 0;
    for seed in seeds() {
        total_ops += run_seed(seed, per_seed.unwrap_or(OPS_PER_SEED)).await;
    }
    assert!(
        per_seed.is_some() || std::env::var_os("CONVERGENCE_SEED").is_some() || total_ops >= 10_000,
        "{total_ops} operations in total"
    );
}

async fn run_seed(seed: u64, ops_per_seed: usize) -> usize {
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let defs = lead::fields((seed % 2) as usize);
    let config = defs.clone();
    let mut stage = stage::start(MEMBERS, |s| lead::configure(s, &config))
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: the stage starts: {e}"));
    let mut world = World::new(defs);
    let mut done = 0;
    while done < ops_per_seed {
        world.round_no += 1;
        let len = rng.random_range(30..=80).min(ops_per_seed - done);
        for _ in 0..len {
            ops::step(&stage, &mut world, &mut rng)
                .unwrap_or_else(|e| panic!("seed {seed}: a human operation failed: {e}"));
        }
        done += len;
        chaos(&stage, &mut rng);
        sync_round(&mut stage, &mut world, seed).await;
    }
    // A final full sync with no faults left armed changes nothing.
    stage.sf.faults().clear();
    stage.outbound_chaos(false, false);
    stage.jing.set_webhook_chaos(Default::default());
    world.round_no += 1;
    sync_round(&mut stage, &mut world, seed).await;
    let diffs = check::compare(&stage, &world, seed, "final");
    assert!(diffs.is_empty(), "{}", summary(&diffs));
    assert_covered(&world, seed);
    println!(
        "seed {seed}: {done} operations in {} sync runs, {} leads, {:?}; writer {:?}; {} Salesforce calls; {:.1} s",
        world.round_no,
        world.recs.len(),
        world.done,
        stage.drained.counts,
        stage.sf.calls().total,
        started.elapsed().as_secs_f64()
    );
    done
}

/// Faults armed before a sync run: Salesforce 503 bursts, expired sessions, a lost outbound
/// notification, JING errors, duplicate and reordered deliveries on both push paths.
fn chaos(stage: &Stage, rng: &mut StdRng) {
    // Each burst costs real time (the clients back off before retrying): a few per seed.
    if rng.random_bool(0.07) {
        trace("Salesforce 503 burst");
        stage
            .sf
            .faults()
            .fail_next(rng.random_range(1..=2), Fault::ServiceUnavailable);
    }
    if rng.random_bool(0.1) {
        trace("Salesforce sessions expired");
        stage.sf.expire_tokens();
    }
    if rng.random_bool(0.05) {
        trace("an outbound notification is lost");
        stage.sf.faults().lose_outbound(1);
    }
    if rng.random_bool(0.07) {
        trace("JING errors");
        stage.jing.faults().fail_next(rng.random_range(1..=2));
    }
    stage.outbound_chaos(rng.random_bool(0.3), rng.random_bool(0.3));
    stage.jing.set_webhook_chaos(jing_sim::WebhookChaos {
        duplicate: rng.random_bool(0.3),
        reorder: rng.random_bool(0.3),
    });
}

/// Sync, then hold both systems to the model and every write to "it changed something a
/// human change required".
async fn sync_round(stage: &mut Stage, world: &mut World, seed: u64) {
    let before = check::snapshot(stage, world);
    let predicted_before: Vec<[Vec<model::Val>; 2]> =
        world.recs.iter().map(|r| r.vals.clone()).collect();
    let t0 = std::time::Instant::now();
    stage
        .sync()
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: sync run {} failed: {e}", world.round_no));
    if std::env::var_os("CONVERGENCE_TRACE").is_some() {
        eprintln!(
            "after sync run {} ({} ms): writer {:?}",
            world.round_no,
            t0.elapsed().as_millis(),
            stage.drained.counts
        );
    }
    check::learn_bindings(stage, world, seed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ambiguous = model::settle(&world.defs.clone(), &mut world.recs, &world.round.clone());
    check::adopt_either(stage, world, &ambiguous);
    check::adopt_defaults(stage, world).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let when = format!("after sync run {}", world.round_no);
    let diffs = check::compare(stage, world, seed, &when);
    if !diffs.is_empty() {
        panic!("{}\n{}", summary(&diffs), check::diagnose(stage).await);
    }
    no_echo(stage, world, seed, &before, &predicted_before);
    world.round = model::Round::default();
}

/// A record the connector wrote during the sync must have changed, and (outside conflicts,
/// creations and conversions, which legitimately write bookkeeping or restore a winner) the
/// model must have required a change on that side.
fn no_echo(
    stage: &Stage,
    world: &World,
    seed: u64,
    before: &BTreeMap<(usize, Side), Seen>,
    predicted_before: &[[Vec<model::Val>; 2]],
) {
    for (&(i, side), old) in before {
        if old.gone || world.recs[i].state == State::Deleted {
            continue;
        }
        let Some(new) = check::seen(stage, world, i, side) else {
            continue;
        };
        let r = &world.round;
        // A lead edited on both sides may be overwritten by the earlier change and restored
        // to the later one (the conflict rule): two effective writes, same end content.
        if new.stamp == old.stamp || r.both_sides(i) {
            continue;
        }
        assert_ne!(
            new.content, old.content,
            "seed {seed}, sync run {}: lead #{i} was written on {side:?} with the values it already had (an echo)",
            world.round_no
        );
        let exempt = r.created.contains(&i) || r.converted.contains(&i);
        let required = predicted_before[i][side as usize] != world.recs[i].vals[side as usize];
        assert!(
            exempt || required,
            "seed {seed}, sync run {}: lead #{i} was written on {side:?} though no human change had to flow there: before {:?} after {:?}",
            world.round_no,
            old.content,
            new.content
        );
    }
}

fn summary(diffs: &[String]) -> String {
    let shown: Vec<&str> = diffs.iter().take(25).map(String::as_str).collect();
    format!(
        "{} differences from the model:\n{}",
        diffs.len(),
        shown.join("\n")
    )
}

/// Every kind of operation actually happened (a generator that never deletes tests nothing).
fn assert_covered(world: &World, seed: u64) {
    for kind in [
        "create in Salesforce",
        "create in JING",
        "update in Salesforce",
        "update in JING",
        "clear in Salesforce",
        "clear in JING",
        "owner change in Salesforce",
        "owner change in JING",
        "delete in Salesforce",
        "invalidate in JING",
        "convert in Salesforce",
    ] {
        assert!(
            world.done.get(kind).copied().unwrap_or(0) > 0,
            "seed {seed}: no {kind} in {:?}",
            world.done
        );
    }
}

fn trace(what: &str) {
    if std::env::var_os("CONVERGENCE_TRACE").is_some() {
        eprintln!("fault: {what}");
    }
}
