//! End to end against both simulators in one process: 10,000 JING leads (and their accounts'
//! worth of Salesforce data) reach the other side through initialization, the writer, the
//! SQLite store and the real HTTP clients. Prints Salesforce API calls per record (goal ≤ 0.01,
//! reads included) and records per second (goal ≥ 2,000).
//!
//! `cargo run --release -p jingsf --example e2e_sync [leads]`

use jingsf::demo::{DemoOptions, Sizes, run_stage};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let leads: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("jingsf-e2e-{}", std::process::id()));
    let sizes = Sizes {
        users: 20,
        sf_accounts: 0,
        sf_leads: 0,
        jing_accounts: 0,
        jing_leads: leads,
    };
    let (stage, _summary) = run_stage(DemoOptions {
        data_dir: dir.clone(),
        exit: true,
        port: 0,
        sizes,
        json: false,
    })
    .await?;
    println!(
        "\nE2E: {} leads JING → Salesforce: {:.0} records/s, {} Salesforce calls = {:.4} per record",
        stage.init_records,
        stage.init_records as f64 / stage.init_seconds.max(1e-9),
        stage.init_sf_calls,
        stage.init_sf_calls as f64 / stage.init_records.max(1) as f64
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
