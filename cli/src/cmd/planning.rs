//! Looking before leaping: `dry-run` (what an initialization, a scope change or a mapping change
//! would do, writing nothing) and `settle` (keep one side's value of a conflict on both sides).

use crate::cmd::ctx::Ctx;
use crate::cmd::error::{Result, usage};
use crate::table::{Table, cell, items};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DryRunArgs {
    /// Initialization window start (RFC 3339; default one year back).
    #[arg(long)]
    window_start: Option<String>,
    /// A scope/trigger rules file (the body of `rules set`) to try instead of the saved rules.
    #[arg(long, requires_all = ["object", "direction"], conflicts_with = "mapping_file")]
    rules_file: Option<PathBuf>,
    /// A mapping file (the body of `mapping set`) to try instead of the saved mapping.
    #[arg(long, requires = "object")]
    mapping_file: Option<PathBuf>,
    #[arg(long, value_parser = ["lead", "account", "opportunity", "member"])]
    object: Option<String>,
    #[arg(long, value_parser = ["sf_to_jing", "jing_to_sf"])]
    direction: Option<String>,
    /// Read for at most this long (default and maximum: the deployment's budget; 0 reads one
    /// page per object and side).
    #[arg(long)]
    max_seconds: Option<u64>,
}

fn read_json(path: &PathBuf) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| usage(format!("{} is not JSON: {e}", path.display())))
}

fn dry_run_body(args: &DryRunArgs) -> Result<Value> {
    let mut body = what_to_dry_run(args)?;
    if let Some(s) = args.max_seconds {
        body["max_seconds"] = json!(s);
    }
    Ok(body)
}

fn what_to_dry_run(args: &DryRunArgs) -> Result<Value> {
    if let Some(path) = &args.rules_file {
        let rules = read_json(path)?;
        let rules = rules.get("rules").cloned().unwrap_or(rules);
        return Ok(
            json!({"kind": "rules", "object": args.object, "direction": args.direction, "rules": rules}),
        );
    }
    if let Some(path) = &args.mapping_file {
        let mapping = read_json(path)?;
        let mapping = mapping.get("mapping").cloned().unwrap_or(mapping);
        return Ok(json!({"kind": "mapping", "object": args.object, "mapping": mapping}));
    }
    let mut body = json!({"kind": "init"});
    if let Some(at) = &args.window_start {
        body["window_start"] = json!(at);
    }
    Ok(body)
}

pub async fn dry_run(ctx: &Ctx, args: DryRunArgs) -> Result<()> {
    let body = dry_run_body(&args)?;
    let reply = ctx.post(&ctx.app_path("/dry-run")?, body).await?;
    ctx.show(&reply, dry_run_text);
    Ok(())
}

fn dry_run_text(v: &Value) -> String {
    let mut t = Table::new(&[
        "OBJECT",
        "DIRECTION",
        "READ",
        "CREATE",
        "BIND",
        "UPDATE",
        "UNCHANGED",
        "OUT OF SCOPE",
        "ERRORS",
    ]);
    let mut errors = String::new();
    for o in items(&v["objects"]) {
        let failing: u64 = o["errors"]
            .as_object()
            .map(|e| e.values().filter_map(|g| g["count"].as_u64()).sum())
            .unwrap_or(0);
        t.row([
            cell(&o["object"]),
            cell(&o["direction"]),
            read_cell(o),
            cell(&o["would_create"]),
            cell(&o["would_bind"]),
            cell(&o["would_update"]),
            cell(&o["unchanged"]),
            cell(&o["out_of_scope"]),
            failing.to_string(),
        ]);
        for (code, g) in o["errors"].as_object().into_iter().flatten() {
            let examples: Vec<String> = items(&g["examples"]).iter().map(cell).collect();
            errors += &format!(
                "  {} {}: {} (e.g. {})\n",
                cell(&o["object"]),
                code,
                cell(&g["count"]),
                examples.join(", ")
            );
        }
    }
    let mut out = t.render();
    if v["complete"] == false {
        out += &format!(
            "INCOMPLETE: stopped after {} ms (budget {} s); rows marked * are a sample of their first records\n",
            cell(&v["elapsed_ms"]),
            cell(&v["max_seconds"])
        );
    }
    if !errors.is_empty() {
        out += &format!("Errors pre-flight would raise:\n{errors}");
    }
    for side in ["salesforce", "jing"] {
        let c = &v[side];
        out += &format!(
            "{side}: {} reads for this dry run; the real run would write ~{} requests ({} creates, {} updates)\n",
            cell(&c["reads"]),
            cell(&c["estimated_writes"]),
            cell(&c["would_create"]),
            cell(&c["would_update"])
        );
    }
    out + "Nothing was written.\n"
}

/// Records read (of the initialization's count, when known); `*` and why when it stopped early.
fn read_cell(o: &Value) -> String {
    let mut read = cell(&o["read"]);
    if let Some(total) = o["source_total"].as_u64() {
        read += &format!("/{total}");
    }
    if o["complete"] == false {
        read += &format!("* ({})", cell(&o["stopped"]).replace('_', " "));
    }
    read
}

#[derive(Debug, clap::Args)]
pub struct SettleArgs {
    #[arg(long, value_parser = ["lead", "account", "opportunity", "member"])]
    object: String,
    /// The record key as the conflict ledger shows it.
    #[arg(long)]
    record: String,
    /// The field (Salesforce name, as the ledger shows it).
    #[arg(long)]
    field: String,
    /// Whose value both sides keep.
    #[arg(long, value_parser = ["salesforce", "jing"])]
    keep: String,
}

pub async fn settle(ctx: &Ctx, args: SettleArgs) -> Result<()> {
    let body = json!({
        "object": args.object, "record_key": args.record, "field": args.field,
        "keep": args.keep, "by": "cli",
    });
    let reply = ctx.post(&ctx.app_path("/conflicts/settle")?, body).await?;
    ctx.show(&reply, |v| {
        format!(
            "settled {} ledger entr{} of {}; the kept value is on its way to both sides\n",
            cell(&v["settled"]),
            if v["settled"] == 1 { "y" } else { "ies" },
            cell(&v["record"])
        )
    });
    Ok(())
}
