//! `jingsf init start | status`: start (or skip) the initialization, show its progress, and with
//! `--wait` follow it with a progress bar until it is done (polling `GET /init`).

use crate::cmd::ctx::{Ctx, Reply};
use crate::cmd::error::{Result, usage};
use crate::table::cell;
use serde_json::{Value, json};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, clap::Subcommand)]
pub enum InitCmd {
    /// Start the initialization over a window of at most three years, or skip it.
    Start(StartArgs),
    /// Skip the initialization: only changes from now on sync.
    Skip,
    /// Progress (state, records done of the estimated total).
    Status {
        /// Follow it with a progress bar until it is no longer running.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("window").required(true).args(["window_start", "days", "skip"]))]
pub struct StartArgs {
    /// Records changed since this time (RFC 3339, e.g. 2024-01-01T00:00:00+08:00).
    #[arg(long)]
    window_start: Option<String>,
    /// Records changed in the last N days.
    #[arg(long)]
    days: Option<u32>,
    /// Skip the initialization (only changes from now on sync).
    #[arg(long)]
    skip: bool,
    /// Follow it with a progress bar until it is done.
    #[arg(long)]
    wait: bool,
}

/// How often `--wait` asks for the progress.
const POLL_EVERY: Duration = Duration::from_millis(500);

pub async fn run(ctx: &Ctx, cmd: InitCmd) -> Result<()> {
    match cmd {
        InitCmd::Start(args) => start(ctx, args).await,
        InitCmd::Skip => {
            let reply = ctx
                .post(&ctx.app_path("/init")?, json!({ "skip": true }))
                .await?;
            ctx.show(&reply, progress_text);
            Ok(())
        }
        InitCmd::Status { wait: false } => {
            let reply = ctx.get(&ctx.app_path("/init")?).await?;
            ctx.show(&reply, progress_text);
            Ok(())
        }
        InitCmd::Status { wait: true } => follow(ctx).await,
    }
}

async fn start(ctx: &Ctx, args: StartArgs) -> Result<()> {
    let body = if args.skip {
        json!({ "skip": true })
    } else {
        json!({ "window_start": window_start(&args)? })
    };
    let reply = ctx.post(&ctx.app_path("/init")?, body).await?;
    if args.wait && running(&reply.value) {
        return follow(ctx).await;
    }
    ctx.show(&reply, progress_text);
    Ok(())
}

fn window_start(args: &StartArgs) -> Result<String> {
    match (&args.window_start, args.days) {
        (Some(w), _) => Ok(w.clone()),
        (None, Some(days)) => {
            let at = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
            at.format(&Rfc3339)
                .map_err(|e| usage(format!("--days {days}: {e}")))
        }
        (None, None) => Err(usage("pass --window-start, --days or --skip")),
    }
}

fn running(v: &Value) -> bool {
    v["init"]["state"] == "running"
}

/// Poll until the initialization is no longer running, drawing a bar on stderr (hidden when
/// stderr is not a terminal); the last answer is what gets printed.
async fn follow(ctx: &Ctx) -> Result<()> {
    let path = ctx.app_path("/init")?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "initialization {bar:40} {pos}/{len} records ({percent}%) {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let last: Reply = loop {
        let reply = ctx.get(&path).await?;
        let init = &reply.value["init"];
        bar.set_length(init["total"].as_u64().unwrap_or(0));
        bar.set_position(init["done"].as_u64().unwrap_or(0));
        if !running(&reply.value) {
            break reply;
        }
        tokio::time::sleep(POLL_EVERY).await;
    };
    bar.finish_and_clear();
    ctx.show(&last, progress_text);
    Ok(())
}

/// `initialization: running 40/120 (33.3%), configuration locked`, and so on.
pub fn progress_text(v: &Value) -> String {
    let init = &v["init"];
    let state = crate::cmd::apps::init_text(init);
    let mut out = format!("initialization: {state}");
    if running(v) {
        out += &format!(" ({}%)", cell(&v["percent"]));
    }
    if v["locked"] == true {
        out += ", configuration locked until it is done";
    }
    out + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_for_people() {
        let running = json!({"init": {"state": "running", "done": 40, "total": 120}, "percent": 33.3, "locked": true});
        assert_eq!(
            progress_text(&running),
            "initialization: running 40/120 (33.3%), configuration locked until it is done\n"
        );
        let done =
            json!({"init": {"state": "done", "records": 20}, "percent": 100.0, "locked": false});
        assert_eq!(progress_text(&done), "initialization: done (20 records)\n");
    }

    #[test]
    fn days_become_a_window_start() {
        let args = StartArgs {
            window_start: None,
            days: Some(30),
            skip: false,
            wait: false,
        };
        let start = time::OffsetDateTime::parse(&window_start(&args).unwrap(), &Rfc3339).unwrap();
        let age = time::OffsetDateTime::now_utc() - start;
        assert!((age.whole_days() - 30).abs() <= 1, "{age}");
    }
}
