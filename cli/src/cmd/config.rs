//! Configuration: `rules`, `mapping`, `external-id`, `allocation`. Changes send the revision
//! read just before (or the one in the file), so a concurrent edit is refused (409), not lost.

use crate::cmd::ctx::{Ctx, seg};
use crate::cmd::error::{Result, issues, usage};
use crate::table::{Table, cell, items};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `--object` of the configuration commands.
#[derive(Debug, clap::Args)]
pub struct ObjectArg {
    #[arg(long, value_parser = ["lead", "account", "opportunity", "member"])]
    pub object: String,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCmd {
    /// The rules of one object in one direction.
    Get(RulesTarget),
    /// Change them: flags change single rules, --file replaces them (a `rules` JSON object).
    Set {
        #[command(flatten)]
        target: RulesTarget,
        /// Create/update on the other side when a record is created or updated.
        #[arg(long)]
        on_upsert: Option<bool>,
        #[arg(long, value_parser = ["delete", "nothing"])]
        on_delete: Option<String>,
        #[arg(long)]
        business_type: Option<String>,
        /// JSON of the rules (`on_upsert`, `on_delete`, `scope`), as `rules get --json` shows.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RulesTarget {
    #[command(flatten)]
    object: ObjectArg,
    #[arg(long, value_parser = ["sf_to_jing", "jing_to_sf"])]
    direction: String,
}

impl RulesTarget {
    fn path(&self, ctx: &Ctx) -> Result<String> {
        ctx.app_path(&format!(
            "/objects/{}/rules/{}",
            seg(&self.object.object),
            seg(&self.direction)
        ))
    }
}

pub async fn rules(ctx: &Ctx, cmd: RulesCmd) -> Result<()> {
    match cmd {
        RulesCmd::Get(target) => {
            let reply = ctx.get(&target.path(ctx)?).await?;
            ctx.show(&reply, |v| rules_text(&target, v));
        }
        RulesCmd::Set {
            target,
            on_upsert,
            on_delete,
            business_type,
            file,
        } => {
            let path = target.path(ctx)?;
            let current = ctx.get(&path).await?.value;
            let mut rules = match &file {
                Some(f) => read_json(f)?,
                None => current["rules"].clone(),
            };
            if let Some(b) = on_upsert {
                rules["on_upsert"] = json!(b);
            }
            if let Some(d) = on_delete {
                rules["on_delete"] = json!(d);
            }
            let mut body = json!({ "revision": current["revision"], "rules": rules });
            if let Some(b) = business_type {
                body["business_type"] = json!(b);
            }
            let reply = ctx.put(&path, body).await?;
            ctx.show(&reply, |v| rules_text(&target, v));
        }
    }
    Ok(())
}

fn rules_text(t: &RulesTarget, v: &Value) -> String {
    let r = &v["rules"];
    let mut out = Table::plain();
    out.row([
        format!("{} {}", t.object.object, t.direction),
        format!("(revision {})", cell(&v["revision"])),
    ]);
    out.row(["  on create/update:".to_owned(), cell(&r["on_upsert"])]);
    out.row(["  on delete:".to_owned(), cell(&r["on_delete"])]);
    out.row(["  scope:".to_owned(), scope_text(&r["scope"])]);
    for (label, key) in [
        ("object on", "object_enabled"),
        ("paused", "paused"),
        ("locked", "locked"),
    ] {
        if !v[key].is_null() {
            out.row([format!("  {label}:"), cell(&v[key])]);
        }
    }
    out.render()
}

/// `(Status = Open AND Rating = Hot) OR (...)`, or `all records`.
fn scope_text(scope: &Value) -> String {
    let groups: Vec<String> = items(&scope["groups"])
        .iter()
        .map(|g| {
            let conds: Vec<String> = items(&g["conditions"])
                .iter()
                .map(|c| format!("{} {} {}", cell(&c["field"]), cell(&c["op"]), c["value"]))
                .collect();
            format!("({})", conds.join(" AND "))
        })
        .collect();
    if groups.is_empty() {
        "all records".into()
    } else {
        groups.join(" OR ")
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&raw).map_err(|e| usage(format!("{}: not JSON: {e}", path.display())))
}

#[derive(Debug, clap::Subcommand)]
pub enum MappingCmd {
    /// The field mapping of one object (defaults are pinned).
    Get(ObjectArg),
    /// Check a mapping file against both sides' fields without saving it: errors exit 4 and
    /// are listed, warnings are shown (allowed while the initialization runs).
    Validate {
        #[command(flatten)]
        object: ObjectArg,
        #[arg(long)]
        file: PathBuf,
    },
    /// Save a mapping from a JSON file: a list of field mappings, or `mapping get --json`'s
    /// answer edited (its revision is checked). Errors refuse the save (exit 4) and are listed.
    Set {
        #[command(flatten)]
        object: ObjectArg,
        #[arg(long)]
        file: PathBuf,
    },
}

pub async fn mapping(ctx: &Ctx, cmd: MappingCmd) -> Result<()> {
    match cmd {
        MappingCmd::Get(o) => {
            let reply = ctx.get(&mapping_path(ctx, &o)?).await?;
            ctx.show(&reply, mapping_text);
        }
        MappingCmd::Validate { object, file } => {
            let path = mapping_path(ctx, &object)? + "/validate";
            let reply = ctx.post(&path, mapping_body(&file)?).await?;
            ctx.show(&reply, |v| {
                format!(
                    "the {} mapping is valid ({} fields)\n{}",
                    object.object,
                    items(&v["mapping"]).len(),
                    issues(&v["warnings"])
                )
            });
        }
        MappingCmd::Set { object, file } => {
            let reply = ctx
                .put(&mapping_path(ctx, &object)?, mapping_body(&file)?)
                .await?;
            ctx.show(&reply, |v| {
                format!(
                    "saved the {} mapping (revision {}, {} fields)\n{}",
                    object.object,
                    cell(&v["revision"]),
                    items(&v["mapping"]).len(),
                    issues(&v["warnings"])
                )
            });
        }
    }
    Ok(())
}

/// A mapping file as the API takes it: a list of field mappings, or `mapping get --json`'s
/// answer (its revision is sent, so a concurrent change is refused).
fn mapping_body(file: &Path) -> Result<Value> {
    match read_json(file)? {
        Value::Array(list) => Ok(json!({ "mapping": list })),
        Value::Object(mut o) => {
            o.remove("locked");
            Ok(Value::Object(o))
        }
        _ => Err(usage(
            "the file must hold a list of mappings or {\"mapping\": [...]}",
        )),
    }
}

fn mapping_path(ctx: &Ctx, o: &ObjectArg) -> Result<String> {
    ctx.app_path(&format!("/objects/{}/mapping", seg(&o.object)))
}

fn mapping_text(v: &Value) -> String {
    let mut t = Table::new(&["SALESFORCE", "JING", "RULE", "BLANK", "PINNED"]);
    for m in items(&v["mapping"]) {
        t.row([
            cell(&m["sf_field"]),
            cell(&m["jing_field"]),
            cell(&m["rule"]),
            cell(&m["blank"]),
            cell(&m["pinned"]),
        ]);
    }
    format!("revision {}\n{}", cell(&v["revision"]), t.render())
}

#[derive(Debug, clap::Subcommand)]
pub enum ExternalIdCmd {
    /// The external-ID field holding the JING id, and the org's candidates.
    Get(ObjectArg),
    /// Use an external-ID field (creates in Salesforce become upserts on it), or --none.
    Set {
        #[command(flatten)]
        object: ObjectArg,
        /// API name of a Text field marked External ID, e.g. Jing_Id__c.
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        field: Option<String>,
        /// Stop using one (plain creates).
        #[arg(long)]
        none: bool,
    },
}

pub async fn external_id(ctx: &Ctx, cmd: ExternalIdCmd) -> Result<()> {
    let (object, body) = match cmd {
        ExternalIdCmd::Get(o) => (o, None),
        ExternalIdCmd::Set { object, field, .. } => (object, Some(json!({ "field": field }))),
    };
    let path = ctx.app_path(&format!("/objects/{}/external-id", seg(&object.object)))?;
    let reply = match body {
        None => ctx.get(&path).await?,
        Some(b) => ctx.put(&path, b).await?,
    };
    ctx.show(&reply, |v| {
        let mut out = format!(
            "{}: external-ID field {}",
            cell(&v["object"]),
            cell(&v["field"])
        );
        if let Some(c) = v["candidates"].as_array() {
            let names: Vec<String> = c.iter().map(cell).collect();
            out += &format!(" (candidates: {})", names.join(", "));
        }
        out + "\n"
    });
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct AllocationArgs {
    /// Salesforce API calls a day this app may spend.
    #[arg(long)]
    daily: Option<u64>,
    /// At most this share of the org's remaining calls (percent).
    #[arg(long)]
    max_org_share: Option<u8>,
    /// The share kept for live changes, which an initialization cannot spend (percent, 0-90).
    #[arg(long)]
    live_reserve: Option<u8>,
}

fn allocation_text(a: &Value) -> String {
    format!(
        "daily allocation: {} calls, at most {}% of the org's remaining calls, {}% kept for live changes\n",
        cell(&a["daily"]),
        cell(&a["max_org_share_pct"]),
        cell(&a["live_reserve_pct"])
    )
}

/// Without flags: the allocation in the app's settings; with them: set it (what is not given
/// stays as it is).
pub async fn allocation(ctx: &Ctx, args: AllocationArgs) -> Result<()> {
    let unchanged = args.max_org_share.is_none() && args.live_reserve.is_none();
    let daily = match args.daily {
        Some(d) => d,
        None => {
            let settings = ctx.get(&ctx.app_path("")?).await?.value;
            let current = &settings["allocation"];
            if unchanged {
                ctx.print_value(current, allocation_text);
                return Ok(());
            }
            current["daily"].as_u64().unwrap_or_default()
        }
    };
    let mut body = json!({ "daily": daily });
    if let Some(p) = args.max_org_share {
        body["max_org_share_pct"] = json!(p);
    }
    if let Some(p) = args.live_reserve {
        body["live_reserve_pct"] = json!(p);
    }
    let reply = ctx.put(&ctx.app_path("/allocation")?, body).await?;
    ctx.show(&reply, |v| allocation_text(&v["allocation"]));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_reads_as_a_condition() {
        let scope = json!({"groups": [
            {"conditions": [{"field": "Status", "op": "eq", "value": "Open"}, {"field": "Rating", "op": "eq", "value": "Hot"}]},
            {"conditions": [{"field": "LeadSource", "op": "eq", "value": "Web"}]}]});
        assert_eq!(
            scope_text(&scope),
            "(Status eq \"Open\" AND Rating eq \"Hot\") OR (LeadSource eq \"Web\")"
        );
        assert_eq!(scope_text(&Value::Null), "all records");
    }
}
