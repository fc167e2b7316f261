//! `jing-sim`: run the simulator as a process. First stdout line: `LISTENING http://127.0.0.1:PORT`.
//! Besides JING's API it serves `/_sim/...` control endpoints (see `control.rs`).

use clap::Parser;
use std::io::Write;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "A strict in-memory JING tenant (open API + webhooks) for tests and demos")]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, default_value = "202305171108447827375161344")]
    app_id: String,
    #[arg(long, default_value = "c32501b33424473daebb9d43ccc37c57")]
    app_secret: String,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 7200)]
    token_ttl: u64,
    /// Deliver webhooks to this URL (`{token}` is replaced, else `/<token>` is appended).
    #[arg(long, requires = "webhook_token")]
    webhook_url: Option<String>,
    #[arg(long)]
    webhook_token: Option<String>,
    #[arg(long)]
    webhook_secret: Option<String>,
    /// How often pending webhooks are delivered, in milliseconds.
    #[arg(long, default_value_t = 500)]
    deliver_every_ms: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut cfg = jing_sim::JingSimConfig::new(args.app_id, args.app_secret);
    cfg.token_ttl = Duration::from_secs(args.token_ttl);
    let sim = jing_sim::JingSim::start_on(cfg, args.port).await?;
    if let (Some(url), Some(token)) = (&args.webhook_url, &args.webhook_token) {
        sim.set_webhook(url, token, args.webhook_secret.as_deref());
    }
    sim.deliver_webhooks_every(Duration::from_millis(args.deliver_every_ms.max(10)));
    println!("LISTENING {}", sim.base_url());
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
