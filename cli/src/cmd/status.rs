//! What the status page shows: `status` (usage, counts, categories, pauses), `synced`,
//! `failures` (and one record's detail with its journal), and `errors` by root cause.

use crate::cmd::apps::init_text;
use crate::cmd::ctx::{Ctx, query, seg};
use crate::cmd::error::Result;
use crate::table::{Table, cell, items, value_text};
use serde_json::Value;

/// Filters and paging of the record lists.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_parser = ["all", "lead", "account", "opportunity", "member"])]
    object: Option<String>,
    /// Part of a name or id (case-insensitive).
    #[arg(long)]
    search: Option<String>,
    #[arg(long)]
    offset: Option<u64>,
    /// At most 200 (default 20).
    #[arg(long)]
    limit: Option<u64>,
}

impl ListArgs {
    pub fn query(&self, category: Option<String>) -> String {
        query(&[
            ("object", self.object.clone()),
            ("search", self.search.clone()),
            ("category", category),
            ("offset", self.offset.map(|o| o.to_string())),
            ("limit", self.limit.map(|l| l.to_string())),
        ])
    }
}

pub async fn status(ctx: &Ctx) -> Result<()> {
    let reply = ctx.get(&ctx.app_path("/status")?).await?;
    ctx.show(&reply, status_text);
    Ok(())
}

fn status_text(v: &Value) -> String {
    let u = &v["usage"];
    let on = if v["enabled"] == true { "on" } else { "off" };
    let mut head = Table::plain();
    head.row([
        "app:",
        &format!("{} ({}), {on}", cell(&v["name"]), cell(&v["app"])),
    ]);
    head.row(["connected as:", &cell(&v["authorized"]["username"])]);
    let mut api = format!(
        "{} / {} ({}%), {} parked",
        cell(&u["used"]),
        cell(&u["allocated"]),
        cell(&u["pct"]),
        cell(&u["parked"])
    );
    if let Some(at) = v["forecast_hhmm"].as_str() {
        api += &format!(", runs out at {at} (China time) at this rate");
    }
    head.row(["API today:", &api]);
    if u["org"].is_object() {
        head.row([
            "org API (24 h):",
            &format!("{} / {}", cell(&u["org"]["used"]), cell(&u["org"]["max"])),
        ]);
    }
    let lanes = &u["lanes"];
    if lanes.is_object() {
        let mut split = format!(
            "{} kept for live changes ({}%), {} for an initialization",
            cell(&lanes["live_reserve"]),
            cell(&lanes["live_reserve_pct"]),
            cell(&lanes["initialization_allowance"])
        );
        if let Some(at) = v["init_forecast_hhmm"].as_str() {
            split += &format!(" (runs out at {at} at this rate)");
        }
        head.row(["lanes:", &split]);
    }
    head.row(["initialization:", &init_text(&v["init"])]);
    head.row(["members bound:", &cell(&v["members_bound"])]);
    let mut counts = Table::new(&["OBJECT", "SYNCED", "FAILED"]);
    for (object, c) in v["counts"].as_object().into_iter().flatten() {
        counts.row([object.clone(), cell(&c["ok"]), cell(&c["failed"])]);
    }
    let mut cats = Table::new(&["ERRORS", "", "COUNT"]);
    for c in items(&v["categories"]) {
        cats.row([
            cell(&c["label_en"]),
            cell(&c["label_zh"]),
            cell(&c["count"]),
        ]);
    }
    let mut out = format!("{}\n{}\n{}", head.render(), counts.render(), cats.render());
    for p in items(&v["paused"]) {
        let which = format!(
            "--object {} --direction {}",
            cell(&p["object"]),
            cell(&p["direction"])
        );
        out += &format!(
            "\nPAUSED {} {}: {}\n  fix: {}\n  处理: {}\n  held: jingsf held {which}\n  then: jingsf resume {which} (send them on) or jingsf discard --yes {which}\n",
            cell(&p["object"]),
            cell(&p["direction"]),
            cell(&p["cause_en"]),
            cell(&p["fix_en"]),
            cell(&p["fix_zh"]),
        );
    }
    out
}

pub async fn synced(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let reply = ctx
        .get(&ctx.app_path(&format!("/synced{}", args.query(None)))?)
        .await?;
    ctx.show(&reply, |v| {
        let mut t = Table::new(&["OBJECT", "RECORD", "NAME", "SYNCED AT"]);
        for r in items(&v["items"]) {
            t.row([
                cell(&r["object"]),
                cell(&r["record_key"]),
                cell(&r["name"]),
                cell(&r["synced_at"]),
            ]);
        }
        t.render() + &page_line(v)
    });
    Ok(())
}

pub fn page_line(v: &Value) -> String {
    let shown = items(&v["items"]).len() as u64;
    let offset = v["offset"].as_u64().unwrap_or(0);
    let total = v["total"].as_u64().unwrap_or(0);
    if shown == 0 {
        return format!("(none of {total})\n");
    }
    format!("({}–{} of {total})\n", offset + 1, offset + shown)
}

#[derive(Debug, clap::Args)]
pub struct FailuresArgs {
    #[command(subcommand)]
    show: Option<FailuresCmd>,
    #[command(flatten)]
    list: ListArgs,
    /// api_permission, mapping, value, association, quota, auth, transient, safety.
    #[arg(long)]
    category: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum FailuresCmd {
    /// One failed record: its error with cause and fix, and its change journal.
    Show {
        #[arg(value_parser = ["lead", "account", "opportunity", "member"])]
        object: String,
        /// The record's id on the side the change came from (as the list shows it).
        record: String,
    },
}

pub async fn failures(ctx: &Ctx, args: FailuresArgs) -> Result<()> {
    if let Some(FailuresCmd::Show { object, record }) = &args.show {
        let path = ctx.app_path(&format!("/failures/{}/{}", seg(object), seg(record)))?;
        let reply = ctx.get(&path).await?;
        ctx.show(&reply, failure_text);
        return Ok(());
    }
    let path = ctx.app_path(&format!(
        "/failures{}",
        args.list.query(args.category.clone())
    ))?;
    let reply = ctx.get(&path).await?;
    ctx.show(&reply, |v| {
        let mut t = Table::new(&[
            "OBJECT", "RECORD", "NAME", "ERROR", "CATEGORY", "TIMES", "LAST",
        ]);
        for r in items(&v["items"]) {
            t.row([
                cell(&r["object"]),
                cell(&r["record_key"]),
                cell(&r["name"]),
                cell(&r["error"]["code"]),
                cell(&r["error"]["category"]),
                cell(&r["count"]),
                cell(&r["last_seen"]),
            ]);
        }
        t.render() + &page_line(v)
    });
    Ok(())
}

fn failure_text(v: &Value) -> String {
    let e = &v["error"];
    let mut t = Table::plain();
    t.row([
        "record:",
        &format!(
            "{} {} {}",
            cell(&v["object"]),
            cell(&v["record_key"]),
            cell(&v["name"])
        ),
    ]);
    t.row([
        "error:",
        &format!(
            "{} ({} / {})",
            cell(&e["code"]),
            cell(&e["category_en"]),
            cell(&e["category_zh"])
        ),
    ]);
    t.row(["field:", &cell(&e["field"])]);
    t.row([
        "times:",
        &format!(
            "{}, first {}, last {}",
            cell(&v["count"]),
            cell(&v["first_seen"]),
            cell(&v["last_seen"])
        ),
    ]);
    t.row(["cause:", &cell(&e["cause_en"])]);
    t.row(["原因:", &cell(&e["cause_zh"])]);
    t.row(["fix:", &cell(&e["fix_en"])]);
    t.row(["处理:", &cell(&e["fix_zh"])]);
    t.row(["link:", &cell(&v["url"])]);
    let mut out = t.render();
    for j in items(&v["journal"]) {
        out += &format!("journal {} {}:\n", cell(&j["at"]), cell(&j["direction"]));
        for (field, after) in j["after"].as_object().into_iter().flatten() {
            out += &format!(
                "  {field}: {} → {}\n",
                value_text(&j["before"][field]),
                value_text(after)
            );
        }
    }
    out
}

#[derive(Debug, clap::Args)]
pub struct ErrorsArgs {
    /// Only causes of this category.
    #[arg(long)]
    category: Option<String>,
}

/// Failing records grouped by root cause, each with its cause and fix and a retry command.
pub async fn errors(ctx: &Ctx, args: ErrorsArgs) -> Result<()> {
    let reply = ctx.get(&ctx.app_path("/errors/grouped")?).await?;
    ctx.show(&reply, |v| {
        let causes: Vec<&Value> = items(&v["by_cause"])
            .iter()
            .filter(|c| args.category.as_ref().is_none_or(|w| c["category"] == w.as_str()))
            .collect();
        if causes.is_empty() {
            return "no failing records\n".into();
        }
        let mut out = format!("{} failing record(s)\n", cell(&v["total"]));
        for c in causes {
            let field = c["field"].as_str().map(|f| format!(".{f}")).unwrap_or_default();
            out += &format!(
                "\n{} {}{}: {} record(s) [{}]\n  cause: {}\n  原因:  {}\n  fix:   {}\n  处理:  {}\n  retry: jingsf retry --cause {} --object {}{}\n",
                cell(&c["code"]), cell(&c["object"]), field, cell(&c["count"]), cell(&c["category"]),
                cell(&c["cause_en"]), cell(&c["cause_zh"]), cell(&c["fix_en"]), cell(&c["fix_zh"]),
                cell(&c["code"]), cell(&c["object"]),
                c["field"].as_str().map(|f| format!(" --field {f}")).unwrap_or_default(),
            );
        }
        out
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_read_for_people() {
        assert_eq!(
            page_line(&json!({"items": [1, 2], "offset": 20, "total": 45})),
            "(21–22 of 45)\n"
        );
        assert_eq!(
            page_line(&json!({"items": [], "offset": 0, "total": 0})),
            "(none of 0)\n"
        );
    }

    #[test]
    fn one_failure_shows_its_journal_field_by_field() {
        let v = json!({"object": "lead", "record_key": "00Q1", "name": "王一", "count": 2,
            "error": {"code": "VALUE_TOO_LONG", "field": "Title", "category_en": "Value error",
                      "category_zh": "数值错误", "cause_en": "too long", "fix_en": "shorten it"},
            "journal": [{"at": "2026-12-07T10:00:00Z", "direction": "jing_to_sf",
                "before": {"Title": {"t": "empty"}}, "after": {"Title": {"t": "text", "v": "销售"}}}]});
        let out = failure_text(&v);
        assert!(
            out.contains("error:   VALUE_TOO_LONG (Value error / 数值错误)"),
            "{out}"
        );
        assert!(
            out.contains("journal 2026-12-07T10:00:00Z jing_to_sf:\n  Title: (empty) → 销售\n"),
            "{out}"
        );
    }

    #[test]
    fn a_pause_says_how_to_resume() {
        let v = json!({"app": "a", "name": "A", "enabled": true, "usage": {"used": 5, "allocated": 100, "pct": 5.0, "parked": 2},
            "counts": {"all": {"ok": 3, "failed": 1}}, "categories": [], "init": {"state": "skipped"},
            "paused": [{"object": "lead", "direction": "sf_to_jing", "cause_en": "mass delete", "fix_en": "check", "fix_zh": "检查"}]});
        let out = status_text(&v);
        assert!(out.contains("5 / 100 (5.0%), 2 parked"), "{out}");
        assert!(out.contains("all     3       1"), "{out}");
        assert!(
            out.contains("jingsf resume --object lead --direction sf_to_jing"),
            "{out}"
        );
    }
}
