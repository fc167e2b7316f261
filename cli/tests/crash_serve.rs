//! `jingsf serve` as its own process, killed with `kill -9` five times at random moments while
//! people create and edit leads on both sides (5,000 changes, by outbound messages and
//! webhooks), restarted each time on the same data directory and port, then stopped once with
//! SIGTERM mid-batch: afterwards every lead exists exactly once on the other side with its last
//! values, and nothing is a dead letter. The moments are drawn from a seeded RNG
//! (`CRASH_SEED=<n>` replays a run; the seed is printed). JING gives a webhook up after five
//! failed deliveries, so what it gave up while serve was down is found by the JING safety net.
//!
//! Also: the same change delivered 20 times at once (one outbound message, one webhook) makes
//! one record.
//!
//! To look closer: `CRASH_KEEP=1` keeps the data directory and each start's log
//! (`$TMPDIR/jingsf-crash-<pid>/serve-<n>.log`), `JINGSF_TEST_LOG=warn,jingsf_app::write=debug` logs
//! every planned record, `CRASH_KILLS=0` runs without kills, `CRASH_POLL_SECONDS` spaces the
//! safety nets, `CRASH_WEBHOOK_ATTEMPTS` changes how soon JING gives a webhook up.

mod process;
#[path = "crash/pushes.rs"]
mod pushes;
#[path = "crash/workload.rs"]
mod workload;

use jing_sim::{JingSim, JingSimConfig};
use process::{Result, Serve, start_serve_polling, wait_for};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sf_sim::{SfSim, SimConfig};
use std::time::{Duration, Instant};
use workload::{Wave, Workload};

/// 12 waves of 170 creates and 40 edits per side: 5,040 changes.
const WAVES: usize = 12;
const WAVE: Wave = Wave {
    creates: 170,
    edits: 40,
};
const KILLS: usize = 5;

fn seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

async fn sims() -> Result<(SfSim, SimConfig, JingSim)> {
    let sf_cfg = SimConfig {
        daily_api_limit: 1_000_000,
        ..SimConfig::default()
    };
    let sf = SfSim::start(sf_cfg.clone()).await?;
    let mut jing_cfg = JingSimConfig::default();
    if let Some(n) = std::env::var("CRASH_WEBHOOK_ATTEMPTS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        jing_cfg.webhook_max_attempts = n;
    }
    let jing = JingSim::start(jing_cfg).await?;
    Ok((sf, sf_cfg, jing))
}

/// The waves after which serve is killed (distinct, in order).
fn kill_waves(rng: &mut StdRng) -> Vec<usize> {
    let kills = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(KILLS);
    let mut waves: Vec<usize> = (0..WAVES - 1).collect();
    while waves.len() > kills {
        waves.remove(rng.random_range(0..waves.len()));
    }
    waves
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_five_times_and_stopped_once_serve_loses_and_doubles_nothing() -> Result<()> {
    let seed = seed();
    println!("crash_serve seed: {seed} (CRASH_SEED={seed} replays the moments)");
    let mut rng = StdRng::seed_from_u64(seed);
    let (sf, sf_cfg, jing) = sims().await?;
    let poll = std::env::var("CRASH_POLL_SECONDS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(2);
    let mut serve = Serve::new("crash", pushes::TOKEN, &sf_cfg, &jing, poll)?.with_log_files();
    serve.start().await?;
    let admin = serve.admin();
    let setup = pushes::install(&admin, &sf, &jing).await?;
    pushes::register(&setup, &sf, &jing, Duration::from_millis(250))?;

    let kills = kill_waves(&mut rng);
    let mut work = Workload::default();
    let mut last_restart = Instant::now();
    for n in 0..WAVES {
        work.wave(n, WAVE, &sf, &jing, &mut rng)?;
        if kills.contains(&n) {
            // A random moment while the wave is in flight.
            let after = Duration::from_millis(rng.random_range(0..1500));
            tokio::time::sleep(after).await;
            let (s, j) = (sf.count("Lead"), jing.count("lead"));
            serve.kill9()?;
            let took = serve.start().await?;
            last_restart = Instant::now();
            println!(
                "kill -9 #{} after wave {n} (+{after:?}): Salesforce had {s} leads, JING {j}; up again in {took:?}",
                serve.starts - 1
            );
        }
    }
    assert!(work.changes >= 5_000, "{} changes", work.changes);
    let since_kill = last_restart;

    // SIGTERM while the writer is at work: wait until JING's count moves, then stop.
    let before = jing.count("lead");
    wait_for("the writer at work", Duration::from_secs(60), async || {
        Ok(jing.count("lead") > before || work.counts_reached(&sf, &jing))
    })
    .await?;
    let (s, j) = (sf.count("Lead"), jing.count("lead"));
    let status = serve.terminate(Duration::from_secs(60))?;
    assert!(status.success(), "serve exited with {status} on SIGTERM");
    serve.start().await?;
    let restarted = Instant::now();
    let log = serve.log();
    assert!(
        !log.contains("queued again") && !log.contains("free again"),
        "a SIGTERM finishes the batch: nothing was left taken\n{log}"
    );
    println!("SIGTERM mid-run (Salesforce had {s} leads, JING {j}): exit 0, nothing left taken");

    let leads = work.leads();
    let converged = wait_for(
        "both sides converged",
        Duration::from_secs(120),
        async || Ok(work.counts_reached(&sf, &jing) && work.differences(&sf, &jing).none(leads)),
    )
    .await;
    let diff = work.differences(&sf, &jing);
    converged.map_err(|e| format!("{e}: {diff:?} (want {leads} leads each side)"))?;
    assert!(diff.none(leads), "{diff:?}");
    let letters = pushes::dead_letters(&admin).await?;
    assert!(letters.is_empty(), "dead letters: {letters:?}");
    let status = admin.get(&format!("/apps/{}/status", pushes::APP)).await?;
    assert_eq!(status["counts"]["lead"]["failed"], 0, "{status}");
    println!(
        "crash_serve: {} changes ({leads} leads) through {KILLS} kill -9 and one SIGTERM: 0 lost, 0 doubled; \
         converged {:.1?} after the last restart ({:.1?} after the last kill -9's); JING webhooks given up: {}",
        work.changes,
        restarted.elapsed(),
        since_kill.elapsed(),
        jing.dead_webhooks().len()
    );
    Ok(())
}

/// The SOAP answer Salesforce counts as delivered.
const ACK: &str = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
<soapenv:Body><notificationsResponse><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_deliveries_of_one_change_at_once_make_one_record() -> Result<()> {
    let (sf, sf_cfg, jing) = sims().await?;
    // No safety-net run during the test: only the pushes deliver.
    let (serve, admin) = start_serve_polling("twenty", pushes::TOKEN, &sf_cfg, &jing, 3600).await?;
    let setup = pushes::install(&admin, &sf, &jing).await?;
    // Each simulator sends its push once to a stand-in, which keeps the exact request.
    let capture = pushes::Capture::start(ACK).await?;
    let outbound_url = setup["outbound_url"].as_str().ok_or("no outbound_url")?;
    let path = outbound_url.splitn(4, '/').nth(3).ok_or("outbound path")?;
    sf.set_outbound(Some(jingsf::simulated::outbound_definitions(
        &setup,
        &format!("{}/{path}", capture.base),
    )?));
    pushes::webhook_to(&setup, &jing, Some(&capture.base))?;

    let jing_lead = jing.human().create_lead(serde_json::json!({
        "name": "二十次", "company_id": "并发公司", "mobile": "13600000020",
    }))?;
    assert_eq!(jing.deliver_webhooks().await.delivered, 1);
    let sf_lead = sf.human().create(
        "Lead",
        serde_json::json!({"LastName": "二十遍", "Company": "并发公司", "MobilePhone": "13600000021"}),
    )?;
    assert_eq!(sf.deliver_outbound().await, 1);
    let pushes = capture.taken();
    assert_eq!(pushes.len(), 2, "one webhook, one outbound message");
    for push in &pushes {
        let statuses = pushes::send_at_once(&serve.base, push, 20).await?;
        assert!(
            statuses.iter().all(|s| *s == 200),
            "{}: {statuses:?}",
            push.path
        );
    }

    // Later edits through the normal paths land after every one of the 20: when they show,
    // the copies of the deliveries have all been taken.
    pushes::register(&setup, &sf, &jing, Duration::from_millis(200))?;
    jing.human()
        .update("lead", &jing_lead, serde_json::json!({"title": "之后"}))?;
    sf.human()
        .update("Lead", &sf_lead, serde_json::json!({"Title": "随后"}))?;
    wait_for("the later edits", Duration::from_secs(60), async || {
        let in_sf = sf.find("Lead", "MobilePhone", "13600000020");
        let in_jing = jing.find("lead", "mobile", "13600000021");
        Ok(in_sf.iter().any(|id| {
            sf.record("Lead", id)
                .is_some_and(|r| r["Title"] == serde_json::json!("之后"))
        }) && in_jing
            .iter()
            .any(|r| r.fields["title"] == serde_json::json!("随后")))
    })
    .await?;
    assert_eq!(
        sf.find("Lead", "MobilePhone", "13600000020").len(),
        1,
        "one Salesforce lead from 20 webhooks"
    );
    assert_eq!(
        jing.find("lead", "mobile", "13600000021").len(),
        1,
        "one JING lead from 20 outbound messages"
    );
    assert_eq!(sf.count("Lead"), 2);
    assert_eq!(jing.count("lead"), 2);
    assert!(pushes::dead_letters(&admin).await?.is_empty());
    Ok(())
}
