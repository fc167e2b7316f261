//! `jingsf apps`: list, create, show, change, delete.

use crate::cmd::ctx::Ctx;
use crate::cmd::error::{Result, usage};
use crate::table::{Table, cell, items};
use serde_json::{Map, Value, json};

#[derive(Debug, clap::Subcommand)]
pub enum AppsCmd {
    /// Every app: id, name, on/off, connected account, initialization (the default).
    List,
    /// Install an app; the connector makes its push endpoints' credentials.
    Create(NewApp),
    /// One app's settings (never secrets).
    Show,
    /// Change an app: on/off, name, environment (only while not connected), admin e-mail,
    /// notifications, JING app secret, member matching, verify mode.
    Patch(AppPatch),
    /// Turn the app on (changes flow again).
    Enable,
    /// Turn the app off (changes are held, nothing is written).
    Disable,
    /// Delete the app and everything of it (revokes the Salesforce token).
    Delete {
        /// Say yes: bindings, errors, logs, queued changes and secrets are removed for good.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct NewApp {
    /// The app id (letters, digits, - or _); generated when absent.
    #[arg(long)]
    id: Option<String>,
    #[arg(long)]
    name: String,
    /// production | sandbox | my_domain:HOST | custom:URL
    #[arg(long, value_parser = environment)]
    environment: Value,
    #[arg(long)]
    jing_app_id: String,
    /// The JING tenant (`mid`).
    #[arg(long)]
    jing_tenant: String,
    /// Better from the environment than on the command line.
    #[arg(long, env = "JINGSF_JING_APP_SECRET", hide_env_values = true)]
    jing_app_secret: Option<String>,
    #[arg(long)]
    admin_email: Option<String>,
    #[arg(long)]
    department: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AppPatch {
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    #[arg(long)]
    disable: bool,
    #[arg(long)]
    name: Option<String>,
    /// production | sandbox | my_domain:HOST | custom:URL
    #[arg(long, value_parser = environment)]
    environment: Option<Value>,
    #[arg(long, conflicts_with = "no_admin_email")]
    admin_email: Option<String>,
    /// Remove the admin e-mail (no digests).
    #[arg(long)]
    no_admin_email: bool,
    #[arg(long)]
    notify_errors: Option<bool>,
    #[arg(long, env = "JINGSF_JING_APP_SECRET", hide_env_values = true)]
    jing_app_secret: Option<String>,
    /// Read outbound messages' records back from Salesforce (one call per message).
    #[arg(long)]
    verify_outbound: Option<bool>,
    /// Match new users at most this often (minutes; 0 = every poll run).
    #[arg(long)]
    member_sync_every: Option<u32>,
    /// Create a JING member for every active user no employee matches.
    #[arg(long)]
    create_unmatched: Option<bool>,
    /// The revision you read (refused with 409 when the settings changed since).
    #[arg(long)]
    revision: Option<u64>,
}

/// `production`, `sandbox`, `my_domain:acme.my.salesforce.com`, `custom:https://...`.
pub fn environment(raw: &str) -> std::result::Result<Value, String> {
    let (kind, host) = match raw.split_once(':') {
        Some((k, h)) => (k.replace('-', "_"), Some(h)),
        None => (raw.replace('-', "_"), None),
    };
    match (kind.as_str(), host) {
        ("production" | "sandbox", None) => Ok(json!({ "kind": kind })),
        ("my_domain" | "custom", Some(h)) if !h.is_empty() => {
            Ok(json!({ "kind": kind, "host": h }))
        }
        _ => Err("use production, sandbox, my_domain:HOST or custom:URL".into()),
    }
}

pub async fn run(ctx: &Ctx, cmd: Option<AppsCmd>) -> Result<()> {
    match cmd.unwrap_or(AppsCmd::List) {
        AppsCmd::List => list(ctx).await,
        AppsCmd::Create(new) => create(ctx, new).await,
        AppsCmd::Show => show(ctx).await,
        AppsCmd::Patch(p) => patch(ctx, p).await,
        AppsCmd::Enable => switch(ctx, true).await,
        AppsCmd::Disable => switch(ctx, false).await,
        AppsCmd::Delete { yes } => delete(ctx, yes).await,
    }
}

async fn list(ctx: &Ctx) -> Result<()> {
    let reply = ctx.get("/apps").await?;
    ctx.show(&reply, |v| {
        let mut t = Table::new(&["APP", "NAME", "ON", "CONNECTED AS", "INIT", "REVISION"]);
        for a in items(&v["apps"]) {
            t.row([
                cell(&a["app"]),
                cell(&a["name"]),
                cell(&a["enabled"]),
                cell(&a["authorized"]["username"]),
                init_text(&a["init"]),
                cell(&a["revision"]),
            ]);
        }
        if t.is_empty() {
            "no apps yet: jingsf apps create --help\n".into()
        } else {
            t.render()
        }
    });
    Ok(())
}

/// `running 40/120`, `done (200 records)`, `not_started`, `skipped`.
pub fn init_text(init: &Value) -> String {
    match init["state"].as_str() {
        Some("running") => format!("running {}/{}", cell(&init["done"]), cell(&init["total"])),
        Some("done") => format!("done ({} records)", cell(&init["records"])),
        Some(other) => other.to_owned(),
        None => "-".into(),
    }
}

async fn create(ctx: &Ctx, n: NewApp) -> Result<()> {
    let mut body = json!({
        "name": n.name, "environment": n.environment,
        "jing_app_id": n.jing_app_id, "jing_tenant": n.jing_tenant,
    });
    let optional = [
        ("id", n.id),
        ("jing_app_secret", n.jing_app_secret),
        ("admin_email", n.admin_email),
        ("department", n.department),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            body[key] = json!(v);
        }
    }
    let reply = ctx.post("/apps", body).await?;
    ctx.show(&reply, |v| {
        format!(
            "created app {} ({})\nnext: jingsf connect --app {}\n",
            cell(&v["app"]),
            cell(&v["name"]),
            cell(&v["app"])
        )
    });
    Ok(())
}

async fn show(ctx: &Ctx) -> Result<()> {
    let reply = ctx.get(&ctx.app_path("")?).await?;
    ctx.show(&reply, render_settings);
    Ok(())
}

fn render_settings(v: &Value) -> String {
    let mut head = Table::plain();
    let auth = &v["authorized"];
    head.row([
        "app:",
        &format!("{} ({})", cell(&v["app"]), cell(&v["name"])),
    ])
    .row(["enabled:", &cell(&v["enabled"])])
    .row(["environment:", &environment_text(&v["environment"])])
    .row([
        "connected as:",
        &format!(
            "{} (org {})",
            cell(&auth["username"]),
            cell(&auth["org_id"])
        ),
    ])
    .row([
        "JING:",
        &format!(
            "app {} tenant {}",
            cell(&v["jing_app_id"]),
            cell(&v["jing_tenant"])
        ),
    ])
    .row(["initialization:", &init_text(&v["init"])])
    .row(["daily allocation:", &cell(&v["allocation"]["daily"])])
    .row(["admin e-mail:", &cell(&v["admin_email"])])
    .row(["verify outbound:", &cell(&v["verify_outbound"])])
    .row(["revision:", &cell(&v["revision"])]);
    let mut objects = Table::new(&["OBJECT", "ON", "SF→JING", "JING→SF", "FIELDS"]);
    for (name, o) in v["objects"].as_object().into_iter().flatten() {
        let rules = |d: &Value| match d["on_upsert"].as_bool() {
            Some(true) => format!("upsert, delete: {}", cell(&d["on_delete"])),
            _ => "off".into(),
        };
        objects.row([
            name.clone(),
            cell(&o["enabled"]),
            rules(&o["sf_to_jing"]),
            rules(&o["jing_to_sf"]),
            items(&o["mapping"]).len().to_string(),
        ]);
    }
    format!("{}\n{}", head.render(), objects.render())
}

fn environment_text(env: &Value) -> String {
    match env["host"].as_str() {
        Some(h) => format!("{} {h}", cell(&env["kind"])),
        None => cell(&env["kind"]),
    }
}

async fn patch(ctx: &Ctx, p: AppPatch) -> Result<()> {
    let path = ctx.app_path("")?;
    let mut body = Map::new();
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            body.insert(k.to_owned(), v);
        }
    };
    set(
        "enabled",
        (p.enable || p.disable).then_some(json!(p.enable)),
    );
    set("name", p.name.map(Value::from));
    set("environment", p.environment);
    set("admin_email", p.admin_email.map(Value::from));
    set("admin_email", p.no_admin_email.then_some(Value::Null));
    set("notify_errors", p.notify_errors.map(Value::from));
    set("jing_app_secret", p.jing_app_secret.map(Value::from));
    set("verify_outbound", p.verify_outbound.map(Value::from));
    set("revision", p.revision.map(Value::from));
    if p.member_sync_every.is_some() || p.create_unmatched.is_some() {
        // The API takes both halves: keep the one not given.
        let current = ctx.get(&path).await?.value["member_sync"].clone();
        body.insert(
            "member_sync".into(),
            json!({
                "every_minutes": p.member_sync_every.map_or(current["every_minutes"].clone(), Value::from),
                "create_unmatched": p.create_unmatched.map_or(current["create_unmatched"].clone(), Value::from),
            }),
        );
    }
    if body.keys().all(|k| k == "revision") {
        return Err(usage("nothing to change: see jingsf apps patch --help"));
    }
    let reply = ctx.patch(&path, Value::Object(body)).await?;
    ctx.show(&reply, render_settings);
    Ok(())
}

async fn switch(ctx: &Ctx, on: bool) -> Result<()> {
    let reply = ctx
        .patch(&ctx.app_path("")?, json!({ "enabled": on }))
        .await?;
    ctx.show(&reply, |v| {
        let state = if v["enabled"] == true { "on" } else { "off" };
        format!("{} is {state}\n", cell(&v["app"]))
    });
    Ok(())
}

async fn delete(ctx: &Ctx, yes: bool) -> Result<()> {
    let app = ctx.app()?;
    if !yes {
        return Err(usage(format!(
            "deleting {app} removes everything of it for good: add --yes"
        )));
    }
    let reply = ctx.delete(&ctx.app_path("")?).await?;
    ctx.show(&reply, |v| {
        let purged: Vec<String> = v["purged"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        format!(
            "deleted {}: removed {}\n",
            cell(&v["deleted"]),
            purged.join(", ")
        )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_are_written_as_the_api_takes_them() {
        assert_eq!(
            environment("production").unwrap(),
            json!({"kind": "production"})
        );
        assert_eq!(
            environment("my-domain:acme.my.salesforce.com").unwrap(),
            json!({"kind": "my_domain", "host": "acme.my.salesforce.com"})
        );
        assert_eq!(
            environment("custom:http://127.0.0.1:9").unwrap(),
            json!({"kind": "custom", "host": "http://127.0.0.1:9"})
        );
        assert!(environment("sandbox:x").is_err());
        assert!(environment("custom").is_err());
    }

    #[test]
    fn initialization_reads_as_progress() {
        assert_eq!(
            init_text(&json!({"state": "running", "done": 4, "total": 9})),
            "running 4/9"
        );
        assert_eq!(
            init_text(&json!({"state": "done", "records": 20})),
            "done (20 records)"
        );
        assert_eq!(init_text(&json!({"state": "skipped"})), "skipped");
    }
}
