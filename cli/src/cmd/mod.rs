//! The admin commands: each one a client of the admin API, so the CLI works the same against
//! `jingsf serve` and the AWS stack. One variant per command; the modules hold what each does.

pub mod actions;
pub mod apps;
pub mod breaker;
pub mod config;
pub mod connect;
pub mod ctx;
pub mod dead_letters;
pub mod error;
pub mod explain;
pub mod init;
pub mod members;
pub mod planning;
pub mod setup;
pub mod status;

use ctx::Ctx;
use error::Result;

#[derive(Debug, clap::Subcommand)]
pub enum AdminCmd {
    /// Apps: list (the default), create, show, patch, enable, disable, delete.
    Apps {
        #[command(subcommand)]
        cmd: Option<apps::AppsCmd>,
    },
    /// Connect the app to Salesforce: prints the consent URL (and opens it on a desktop).
    Connect(connect::ConnectArgs),
    /// Forget the app's Salesforce tokens (changes are held until `connect`).
    Disconnect,
    /// The go-live checklist and what to register in Salesforce and JING; `rotate` replaces an
    /// endpoint's credentials, `permissions` runs the permission check now.
    Setup(setup::SetupArgs),
    /// The initialization: start (with a progress bar under --wait), status, skip.
    Init {
        #[command(subcommand)]
        cmd: init::InitCmd,
    },
    /// Sync rules of one object in one direction: get, set.
    Rules {
        #[command(subcommand)]
        cmd: config::RulesCmd,
    },
    /// Field mapping of one object: get, validate a file, set from a file.
    Mapping {
        #[command(subcommand)]
        cmd: config::MappingCmd,
    },
    /// The Salesforce external-ID field that holds the JING id: get, set.
    ExternalId {
        #[command(subcommand)]
        cmd: config::ExternalIdCmd,
    },
    /// The daily API allocation: shown without flags, set with them.
    Allocation(config::AllocationArgs),
    /// Member bindings (Salesforce users ⇄ JING employees): list, search, bind, rebind, create, sync.
    Members(members::MembersArgs),
    /// The overview: API usage and forecast, synced and failed counts, errors, pauses.
    Status,
    /// Records synced, most recent first.
    Synced(status::ListArgs),
    /// Failing records (newest first), or one with its error and journal (`failures show`).
    Failures(status::FailuresArgs),
    /// Failing records grouped by root cause, each with cause, fix and the retry command.
    Errors(status::ErrorsArgs),
    /// Why a record synced or not: its last decisions with what decided each.
    Explain(explain::ExplainArgs),
    /// Queue failed records again: chosen keys, or every record of one root cause (--cause).
    Retry(actions::RetryArgs),
    /// The conflict ledger: both sides changed a two-way field; both values and who won.
    Conflicts(actions::ConflictsArgs),
    /// Keep one side's value of a conflict on both sides (marks its ledger entries settled).
    Settle(planning::SettleArgs),
    /// What an initialization, a rules file or a mapping file would do: counts, errors and calls
    /// (writes nothing).
    DryRun(planning::DryRunArgs),
    /// Resume a paused direction (circuit breaker, org check) and requeue its parked changes.
    Resume(actions::ResumeArgs),
    /// The circuit breaker: thresholds (get, set) and paused directions.
    Breaker(breaker::BreakerArgs),
    /// The changes a paused direction holds (records and fields, no values).
    Held(breaker::HeldArgs),
    /// Drop the changes a paused direction holds (never written) and open it again.
    Discard(breaker::DiscardArgs),
    /// Changes that failed for a day of retries: list, show, redrive (every app; --app filters).
    DeadLetters(dead_letters::DeadLettersArgs),
}

impl AdminCmd {
    /// Commands that work on one app (apps listing and creating, and dead letters, do not).
    fn on_one_app(&self) -> bool {
        match self {
            AdminCmd::Apps { cmd } => !matches!(
                cmd,
                None | Some(apps::AppsCmd::List | apps::AppsCmd::Create(_))
            ),
            AdminCmd::DeadLetters(_) => false,
            _ => true,
        }
    }
}

pub async fn run(ctx: &mut Ctx, cmd: AdminCmd) -> Result<()> {
    if cmd.on_one_app() {
        ctx.default_to_the_only_app().await?;
    }
    let ctx = &*ctx;
    match cmd {
        AdminCmd::Apps { cmd } => apps::run(ctx, cmd).await,
        AdminCmd::Connect(args) => connect::connect(ctx, args).await,
        AdminCmd::Disconnect => connect::disconnect(ctx).await,
        AdminCmd::Setup(args) => setup::run(ctx, args).await,
        AdminCmd::Init { cmd } => init::run(ctx, cmd).await,
        AdminCmd::Rules { cmd } => config::rules(ctx, cmd).await,
        AdminCmd::Mapping { cmd } => config::mapping(ctx, cmd).await,
        AdminCmd::ExternalId { cmd } => config::external_id(ctx, cmd).await,
        AdminCmd::Allocation(args) => config::allocation(ctx, args).await,
        AdminCmd::Members(args) => members::run(ctx, args).await,
        AdminCmd::Status => status::status(ctx).await,
        AdminCmd::Synced(args) => status::synced(ctx, args).await,
        AdminCmd::Failures(args) => status::failures(ctx, args).await,
        AdminCmd::Errors(args) => status::errors(ctx, args).await,
        AdminCmd::Explain(args) => explain::explain(ctx, args).await,
        AdminCmd::Retry(args) => actions::retry(ctx, args).await,
        AdminCmd::Conflicts(args) => actions::conflicts(ctx, args).await,
        AdminCmd::Settle(args) => planning::settle(ctx, args).await,
        AdminCmd::DryRun(args) => planning::dry_run(ctx, args).await,
        AdminCmd::Resume(args) => actions::resume(ctx, args).await,
        AdminCmd::Breaker(args) => breaker::breaker(ctx, args).await,
        AdminCmd::Held(args) => breaker::held(ctx, args).await,
        AdminCmd::Discard(args) => breaker::discard(ctx, args).await,
        AdminCmd::DeadLetters(args) => dead_letters::run(ctx, args).await,
    }
}
