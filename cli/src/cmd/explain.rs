//! `jingsf explain OBJECT RECORD`: why a record synced or not — its last decisions, newest
//! first, each with what decided it (fields written, conditions missed, trigger, cause).

use crate::cmd::ctx::{Ctx, seg};
use crate::cmd::error::Result;
use crate::table::{Table, cell, items};
use serde_json::Value;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[arg(value_parser = ["lead", "account", "opportunity", "member"])]
    object: String,
    /// The record's id on either side (Salesforce or JING).
    record: String,
}

pub async fn explain(ctx: &Ctx, args: ExplainArgs) -> Result<()> {
    let path = ctx.app_path(&format!(
        "/explain/{}/{}",
        seg(&args.object),
        seg(&args.record)
    ))?;
    let reply = ctx.get(&path).await?;
    ctx.show(&reply, explain_text);
    Ok(())
}

fn explain_text(v: &Value) -> String {
    let b = &v["binding"];
    let mut out = if b.is_object() {
        format!(
            "{} {}: bound, Salesforce {} ⇄ JING {}, last synced {}\n",
            cell(&v["object"]),
            cell(&b["name"]),
            cell(&b["sf_id"]),
            cell(&b["jing_id"]),
            cell(&b["synced_at"])
        )
    } else {
        format!("{} {}: not bound\n", cell(&v["object"]), cell(&v["record"]))
    };
    let decisions = items(&v["decisions"]);
    if decisions.is_empty() {
        out += &format!(
            "no change of this record reached the writer in the last {} days\n",
            cell(&v["kept"]["days"])
        );
        return out;
    }
    let mut t = Table::new(&["AT", "DIRECTION", "LANE", "DECISION", "WHY"]);
    for d in decisions {
        t.row([
            cell(&d["at"]),
            cell(&d["direction"]),
            cell(&d["source"]["lane"]),
            cell(&d["decision"]),
            why(d),
        ]);
    }
    out + &t.render()
}

/// What decided it, by kind of decision.
fn why(d: &Value) -> String {
    let list = |k: &str| {
        let xs: Vec<String> = items(&d[k]).iter().map(cell).collect();
        xs.join(", ")
    };
    match d["decision"].as_str().unwrap_or_default() {
        "synced" => format!("{}: {}", cell(&d["op"]), list("fields")),
        "out_of_scope" => format!("missed {} (fields {})", list("rules"), list("fields")),
        "trigger_off" => format!("rule off: {}", cell(&d["trigger"])),
        "echo" => "our own write".into(),
        "unchanged" => format!("the target won: {}", list("conflicts")),
        "parked" => format!("{} ({})", cell(&d["cause"]), cell(&d["code"])),
        "failed" => {
            let again = if d["retry"] == true {
                ", delivered again"
            } else {
                ""
            };
            format!("{} on {}{again}", cell(&d["code"]), cell(&d["field"]))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_decision_says_what_decided_it() {
        let v = json!({"object": "lead", "record": "00Q1", "kept": {"per_record": 20, "days": 30},
            "binding": {"sf_id": "00Q1", "jing_id": "j1", "name": "王一", "synced_at": "2026-12-07T10:00:00Z"},
            "decisions": [
                {"at": "t3", "direction": "jing_to_sf", "source": {"lane": "live"}, "decision": "synced", "op": "updated", "fields": ["Title", "Company"]},
                {"at": "t2", "direction": "jing_to_sf", "source": {"lane": "live"}, "decision": "parked", "cause": "quota", "code": "DAILY_ALLOCATION_EXHAUSTED"},
                {"at": "t1", "direction": "sf_to_jing", "source": {"lane": "live"}, "decision": "out_of_scope", "rules": ["Status eq Open"], "fields": ["Status"]},
                {"at": "t0", "direction": "sf_to_jing", "source": {"lane": "backfill"}, "decision": "failed", "code": "VALUE_TOO_LONG", "field": "Title", "retry": true}]});
        let out = explain_text(&v);
        for want in [
            "lead 王一: bound, Salesforce 00Q1 ⇄ JING j1",
            "synced        updated: Title, Company",
            "parked        quota (DAILY_ALLOCATION_EXHAUSTED)",
            "out_of_scope  missed Status eq Open (fields Status)",
            "failed        VALUE_TOO_LONG on Title, delivered again",
        ] {
            assert!(out.contains(want), "{want} in\n{out}");
        }
        let none = json!({"object": "lead", "record": "x", "binding": null, "decisions": [], "kept": {"days": 30}});
        assert_eq!(
            explain_text(&none),
            "lead x: not bound\nno change of this record reached the writer in the last 30 days\n"
        );
    }
}
