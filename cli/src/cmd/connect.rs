//! `jingsf connect` (the OAuth consent URL, opened in a browser when there is one) and
//! `jingsf disconnect`.

use crate::cmd::ctx::Ctx;
use crate::cmd::error::Result;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// Move the app to another environment while connecting: production | sandbox |
    /// my_domain:HOST | custom:URL.
    #[arg(long, value_parser = crate::cmd::apps::environment)]
    environment: Option<Value>,
    /// Only print the URL (also under --json).
    #[arg(long)]
    no_open: bool,
}

pub async fn connect(ctx: &Ctx, args: ConnectArgs) -> Result<()> {
    let body = match args.environment {
        Some(env) => json!({ "environment": env }),
        None => json!({}),
    };
    let reply = ctx.post(&ctx.app_path("/connect")?, body).await?;
    let url = reply.value["authorize_url"].as_str().unwrap_or_default();
    let opened = !(args.no_open || ctx.json) && open_in_browser(url);
    ctx.show(&reply, |_| {
        let how = if opened {
            "Opened in your browser; approve access there"
        } else {
            "Open this URL in a browser and approve access"
        };
        format!(
            "{how} as the Salesforce integration user:\n  {url}\n\
             Salesforce then returns to the connector's callback; `jingsf setup` shows the checklist.\n"
        )
    });
    Ok(())
}

/// `open` on macOS, `xdg-open` where a desktop session is, and only when a person is at a
/// terminal (a script gets the URL printed, never a browser); false when nothing opened it.
fn open_in_browser(url: &str) -> bool {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return false;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        "xdg-open"
    } else {
        return false;
    };
    // The opener hands the URL to the browser and returns; its own output is not ours.
    Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub async fn disconnect(ctx: &Ctx) -> Result<()> {
    let app = ctx.app()?.to_owned();
    let reply = ctx.delete(&ctx.app_path("/connection")?).await?;
    ctx.show(&reply, |_| {
        format!(
            "disconnected {app}: the Salesforce tokens are forgotten; the org, bindings and JING \
             credentials stay, changes are held until `jingsf connect --app {app}`\n"
        )
    });
    Ok(())
}
