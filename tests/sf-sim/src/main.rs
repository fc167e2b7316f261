//! `sf-sim` binary: serve a simulated org until killed.

use clap::Parser;
use std::io::Write;

#[derive(Parser)]
#[command(about = "A strict in-memory Salesforce org on 127.0.0.1")]
struct Args {
    /// Port to bind (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
    /// Daily API allocation.
    #[arg(long)]
    daily_limit: Option<u64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut cfg = sf_sim::SimConfig::default();
    cfg.client_id = args.client_id.unwrap_or(cfg.client_id);
    cfg.client_secret = args.client_secret.unwrap_or(cfg.client_secret);
    cfg.daily_api_limit = args.daily_limit.unwrap_or(cfg.daily_api_limit);
    let sim = sf_sim::SfSim::start_on(cfg, args.port).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "LISTENING {}", sim.base_url())?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
