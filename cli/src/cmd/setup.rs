//! `jingsf setup`, `rotate`, `permissions`: an app's setup section through the admin API of any
//! deployment (serve or the AWS stack) — what to register in Salesforce and JING, the go-live
//! checklist, new push credentials, the permission pre-check.

use crate::cmd::ctx::Ctx;
use crate::cmd::error::Result;
use crate::table::{Table, cell, items};
use serde_json::{Value, json};

/// Which endpoint's credentials to replace.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Endpoint {
    Webhook,
    Outbound,
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SetupArgs {
    /// Replace this endpoint's credentials first (same as `setup rotate`).
    #[arg(long, value_enum)]
    rotate: Option<Endpoint>,
    #[command(subcommand)]
    cmd: Option<SetupCmd>,
}

#[derive(Debug, clap::Subcommand)]
pub enum SetupCmd {
    /// Replace an endpoint's credentials (the old ones stop working), then show the section.
    Rotate {
        #[arg(value_enum)]
        endpoint: Endpoint,
    },
    /// Run the permission check against Salesforce now: every missing permission, or none.
    Permissions,
}

pub async fn run(ctx: &Ctx, args: SetupArgs) -> Result<()> {
    match args.cmd {
        Some(SetupCmd::Rotate { endpoint }) => setup(ctx, Some(endpoint)).await,
        Some(SetupCmd::Permissions) => permissions(ctx).await,
        None => setup(ctx, args.rotate).await,
    }
}

/// Show (after rotating, when asked) the setup section of the app.
pub async fn setup(ctx: &Ctx, rotate: Option<Endpoint>) -> Result<()> {
    let reply = match rotate {
        Some(e) => {
            let endpoint = match e {
                Endpoint::Webhook => "webhook",
                Endpoint::Outbound => "outbound",
            };
            let path = ctx.app_path("/setup/rotate")?;
            ctx.post(&path, json!({ "endpoint": endpoint })).await?
        }
        None => ctx.get(&ctx.app_path("/setup")?).await?,
    };
    ctx.show(&reply, render);
    Ok(())
}

/// Run the permission pre-check now: every missing permission, or none.
pub async fn permissions(ctx: &Ctx) -> Result<()> {
    let reply = ctx
        .post(&ctx.app_path("/setup/permissions")?, json!({}))
        .await?;
    ctx.show(&reply, |v| {
        let gaps = items(&v["gaps"]);
        if gaps.is_empty() {
            return format!("permission check at {}: nothing missing\n", cell(&v["at"]));
        }
        let mut t = Table::new(&["CODE", "OBJECT", "FIELD", "DETAIL"]);
        for g in gaps {
            t.row([
                cell(&g["code"]),
                cell(&g["object"]),
                cell(&g["field"]),
                cell(&g["detail"]),
            ]);
        }
        format!(
            "permission check at {}: {} missing\n{}",
            cell(&v["at"]),
            gaps.len(),
            t.render()
        )
    });
    Ok(())
}

/// The setup section for people: the checklist, then what to register where.
pub fn render(s: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut out = String::from("Go-live checklist / 上线检查:\n");
    for item in s["checklist"].as_array().into_iter().flatten() {
        let mark = if item["done"] == true { "✓" } else { "·" };
        out += &format!(
            "  {mark} {} / {}\n",
            text(&item["label_en"]),
            text(&item["label_zh"])
        );
    }
    out += "\nSalesforce connected app — callback URL:\n";
    out += &format!("  {}\n", text(&s["callback_url"]));
    out += "\nSalesforce outbound messages — endpoint URL:\n";
    out += &format!("  {}\n", text(&s["outbound_url"]));
    for def in s["outbound"].as_array().into_iter().flatten() {
        let fields: Vec<String> = def["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let optional = if def["required"] == true {
            ""
        } else {
            " (optional)"
        };
        out += &format!(
            "  {}{optional}: {}\n",
            text(&def["object"]),
            fields.join(", ")
        );
    }
    out += "\nJING webhook:\n";
    out += &format!("  URL:            {}\n", text(&s["webhook_url"]));
    out += &format!("  signing secret: {}\n", text(&s["webhook_signing_secret"]));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_setup_section_names_everything_to_register() {
        let s = serde_json::json!({
            "callback_url": "https://c.example/oauth/callback",
            "outbound_url": "https://c.example/sf/outbound/acme/T0K",
            "outbound": [{"object": "Lead", "fields": ["LastName", "SystemModstamp"], "required": true},
                         {"object": "Opportunity", "fields": ["Name"], "required": false}],
            "webhook_url": "https://c.example/jing/webhook/acme/W0K",
            "webhook_signing_secret": "s3cr3t",
            "checklist": [{"item": "connected", "done": true, "label_en": "Salesforce authorized", "label_zh": "已授权"}],
        });
        let out = super::render(&s);
        for want in [
            "✓ Salesforce authorized",
            "https://c.example/oauth/callback",
            "https://c.example/sf/outbound/acme/T0K",
            "Lead: LastName, SystemModstamp",
            "Opportunity (optional): Name",
            "https://c.example/jing/webhook/acme/W0K",
            "signing secret: s3cr3t",
        ] {
            assert!(out.contains(want), "{want} in\n{out}");
        }
    }
}
