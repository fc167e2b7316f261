//! The initialization benchmark's harness at 10,000 leads, both ways, as a correctness test: the
//! `jingsf serve` binary on its own SQLite directory, driven through the admin API only, the
//! simulators in this test's process. It asserts what must hold at any speed — every lead on the
//! other side exactly once, none failed, sampled values equal to their origin's — and no time:
//! the figures are the `init_scale` example's to report.

#[path = "scale/harness.rs"]
mod harness;

use harness::{Result, Sims, Way};
use jing_sim::{JingSim, JingSimConfig};
use sf_sim::{SfSim, SimConfig};

const LEADS: usize = 10_000;

async fn initialize_both_sides(way: Way) -> Result<()> {
    let sf_cfg = SimConfig {
        daily_api_limit: 1_000_000,
        ..SimConfig::default()
    };
    let (sf_id, sf_secret) = (sf_cfg.client_id.clone(), sf_cfg.client_secret.clone());
    let sf = SfSim::start(sf_cfg).await?;
    let jing_cfg = JingSimConfig::default();
    let sims = Sims {
        sf_url: sf.base_url().to_owned(),
        sf_client_id: sf_id,
        sf_client_secret: sf_secret,
        jing_url: String::new(),
        jing_app_id: jing_cfg.app_id.clone(),
        jing_app_secret: jing_cfg.app_secret.clone(),
        jing_mid: jing_cfg.mid.clone(),
    };
    let jing = JingSim::start(jing_cfg).await?;
    let sims = Sims {
        jing_url: jing.base_url(),
        ..sims
    };
    harness::seed(&sims, way, LEADS).await?;
    let dir = std::env::temp_dir().join(format!(
        "jingsf-init-scale-test-{}-{way:?}",
        std::process::id()
    ));
    let serve = harness::start_serve(env!("CARGO_BIN_EXE_jingsf").as_ref(), &dir, &sims).await?;
    harness::install(&serve, &sims).await?;
    let m = harness::initialize(&serve, &sims, way, LEADS).await?;
    assert_eq!(m.failed, 0, "{way:?}: failed leads");
    assert_eq!(
        m.ok, LEADS as u64,
        "{way:?}: leads the connector lists as synced"
    );
    // Live leads on the target: one per origin lead, so none was created twice.
    assert_eq!(m.target_count, LEADS as u64, "{way:?}: leads on the target");
    let checked = harness::check_samples(&sims, way, LEADS, 50).await?;
    assert_eq!(
        checked, 50,
        "{way:?}: sampled leads found once with their values"
    );
    // The Salesforce side of the read or the write is bulk, not per record.
    assert!(
        m.sf_calls < (LEADS / 20) as u64,
        "{way:?}: {} Salesforce calls for {LEADS} leads: {:?}",
        m.sf_calls,
        m.sf_by_kind
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_salesforce_leads_reach_jing_once_each() -> Result<()> {
    initialize_both_sides(Way::SfToJing).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_jing_leads_reach_salesforce_once_each() -> Result<()> {
    initialize_both_sides(Way::JingToSf).await
}
