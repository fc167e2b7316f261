//! `jingsf`: the JING ⇄ Salesforce connector on one machine.

use clap::{Parser, Subcommand};
use jingsf::demo;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "jingsf",
    version,
    about = "The JING ⇄ Salesforce connector on one machine"
)]
struct Cli {
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
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the connector for real on this machine (embedded store, no AWS).
    Serve {
        #[arg(long, default_value = "jingsf.toml")]
        config: PathBuf,
    },
    /// API usage, synced and failed counts, errors by category, pauses.
    Status {
        #[arg(long, default_value = ".jingsf/serve")]
        data_dir: PathBuf,
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Failing records grouped by root cause, with cause and fix (zh/en).
    Errors {
        #[arg(long, default_value = ".jingsf/serve")]
        data_dir: PathBuf,
        #[arg(long)]
        app: Option<String>,
        /// api_permission, mapping, value, association, quota, auth, transient, safety.
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Re-queue the changes failing records failed with (retry after fix).
    Retry {
        #[arg(long, default_value = ".jingsf/serve")]
        data_dir: PathBuf,
        #[arg(long)]
        app: String,
        /// lead, account, opportunity or member.
        #[arg(long)]
        object: String,
        /// Record keys as the failure list shows them.
        keys: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Member bindings (Salesforce users ⇄ JING employees): list, bind, rebind, create.
    Members {
        #[arg(long, default_value = "jingsf.toml")]
        config: PathBuf,
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<MemberCmd>,
    },
    /// An app's setup through the admin API (serve or AWS): what to register in Salesforce and
    /// JING, the go-live checklist; `--rotate` replaces an endpoint's credentials first.
    Setup {
        /// The deployment's public URL (serve: `public_url`; AWS: the `ApiBaseUrl` output).
        #[arg(long, env = "JINGSF_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The admin token (serve: printed on start or JINGSF_ADMIN_TOKEN; AWS: the AdminToken secret).
        #[arg(long, env = "JINGSF_ADMIN_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        app: String,
        #[arg(long, value_enum)]
        rotate: Option<jingsf::setup_cmd::Endpoint>,
        #[arg(long)]
        json: bool,
    },
    /// Check a configuration file and list every problem with its fix.
    ValidateConfig {
        #[arg(long, default_value = "jingsf.toml")]
        config: PathBuf,
    },
}

fn report(problems: Vec<jingsf::config::ConfigError>) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    format!(
        "the configuration has {} problem(s):\n{}",
        problems.len(),
        lines.join("\n")
    )
}

#[derive(Subcommand)]
enum MemberCmd {
    /// Bind a user to an employee.
    Bind { user: String, employee: String },
    /// Move a binding to another employee.
    Rebind { user: String, employee: String },
    /// Create the user as a new JING employee and bind them.
    Create { user: String },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JINGSF_LOG")
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo {
            exit,
            data_dir,
            port,
            leads,
            accounts,
            json,
        } => {
            let sizes = demo::Sizes {
                users: 100,
                sf_accounts: accounts,
                sf_leads: leads,
                jing_accounts: accounts * 5 / 8,
                jing_leads: leads * 3 / 4,
            };
            demo::run(demo::DemoOptions {
                data_dir,
                exit,
                port,
                sizes,
                json,
            })
            .await
            .map(|_| ())
        }
        Command::Serve { config } => match jingsf::config::Config::load(&config) {
            Ok(cfg) => jingsf::serve::run(cfg).await,
            Err(problems) => Err(report(problems).into()),
        },
        Command::Status {
            data_dir,
            app,
            json,
        } => jingsf::commands::status(&data_dir, app.as_deref(), json).await,
        Command::Errors {
            data_dir,
            app,
            category,
            json,
        } => jingsf::commands::errors(&data_dir, app.as_deref(), category.as_deref(), json).await,
        Command::Retry {
            data_dir,
            app,
            object,
            keys,
            json,
        } => jingsf::commands::retry(&data_dir, &app, &object, &keys, json).await,
        Command::Members {
            config,
            app,
            json,
            action,
        } => match jingsf::config::Config::load(&config) {
            Ok(cfg) => {
                use jingsf::commands::MemberAction as A;
                let action = match action {
                    None => A::List,
                    Some(MemberCmd::Bind { user, employee }) => A::Bind { user, employee },
                    Some(MemberCmd::Rebind { user, employee }) => A::Rebind { user, employee },
                    Some(MemberCmd::Create { user }) => A::Create { user },
                };
                jingsf::commands::members(&cfg, &app, action, json).await
            }
            Err(problems) => Err(report(problems).into()),
        },
        Command::Setup {
            url,
            token,
            app,
            rotate,
            json,
        } => {
            let admin = jingsf::client::AdminClient::new(&url, &token);
            jingsf::setup_cmd::setup(&admin, &app, rotate, json).await
        }
        Command::ValidateConfig { config } => match jingsf::config::Config::load(&config) {
            Ok(_) => {
                println!("{}: OK", config.display());
                Ok(())
            }
            Err(problems) => Err(report(problems).into()),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
