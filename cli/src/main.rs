//! `jingsf`: the JING ⇄ Salesforce connector on one machine.

use clap::{Parser, Subcommand};
use jingsf::cmd::{self, AdminCmd, ctx::Ctx};
use jingsf::demo;
use jingsf::profile::{Global, resolve};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "jingsf",
    version,
    about = "The JING ⇄ Salesforce connector: run it on one machine (demo, serve), or steer any \
             deployment (serve or AWS) through its admin API",
    after_help = jingsf::cmd::error::EXIT_CODES
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole connector against simulated Salesforce and JING, then serve the status page.
    Demo {
        /// End after the summary instead of serving the status page.
        #[arg(long)]
        exit: bool,
        /// Where the embedded store lives.
        #[arg(long, default_value = ".jingsf/demo")]
        data_dir: PathBuf,
        /// Port of the local listener (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Leads created on each side.
        #[arg(long, default_value_t = 2000)]
        leads: usize,
        /// Accounts created on each side.
        #[arg(long, default_value_t = 800)]
        accounts: usize,
    },
    /// Run the connector for real on this machine (embedded store, no AWS).
    Serve {
        #[arg(long, default_value = "jingsf.toml")]
        config: PathBuf,
    },
    /// Check a configuration file and list every problem with its fix.
    ValidateConfig {
        #[arg(long, default_value = "jingsf.toml")]
        config: PathBuf,
    },
    #[command(flatten)]
    Admin(AdminCmd),
}

fn report(problems: Vec<jingsf::config::ConfigError>) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    format!(
        "the configuration has {} problem(s):\n{}",
        problems.len(),
        lines.join("\n")
    )
}

/// glibc's allocator spent 18 % of serve's CPU on a 100k initialization (malloc, free and their
/// chunk consolidation: many short-lived field maps and JSON buffers); see README "Initialization
/// at scale" for the measured effect.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JINGSF_LOG")
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // clap's own usage errors would exit 2, which means "unauthorized" here.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    match cli.command {
        Command::Admin(cmd) => admin(&cli.global, cmd).await,
        local => run_local(local, cli.global.json).await,
    }
}

/// `demo`, `serve`, `validate-config`: on this machine, not through an admin API.
async fn run_local(command: Command, json: bool) -> ExitCode {
    let result = match command {
        Command::Demo {
            exit,
            data_dir,
            port,
            leads,
            accounts,
        } => {
            let sizes = demo::Sizes {
                users: 100,
                sf_accounts: accounts,
                sf_leads: leads,
                jing_accounts: accounts * 5 / 8,
                jing_leads: leads * 3 / 4,
            };
            let options = demo::DemoOptions {
                data_dir,
                exit,
                port,
                sizes,
                json,
            };
            demo::run(options).await.map(|_| ())
        }
        Command::Serve { config } => match jingsf::config::Config::load(&config) {
            Ok(cfg) => jingsf::serve::run(cfg).await,
            Err(problems) => Err(report(problems).into()),
        },
        Command::ValidateConfig { config } => match jingsf::config::Config::load(&config) {
            Ok(_) => {
                println!("{}: OK", config.display());
                Ok(())
            }
            Err(problems) => Err(report(problems).into()),
        },
        Command::Admin(_) => unreachable!("admin commands go through the admin API"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An admin command against the chosen deployment; its failure prints the API's reason and
/// what to do, and exits with the code `--help` lists.
async fn admin(global: &Global, cmd: AdminCmd) -> ExitCode {
    let result = match resolve(global) {
        Ok(target) => cmd::run(&mut Ctx::new(target, global.json), cmd).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let (true, Some(body)) = (global.json, e.api_body()) {
                println!("{}", body.trim_end());
            }
            eprint!("{}", e.render());
            ExitCode::from(e.exit_code())
        }
    }
}
