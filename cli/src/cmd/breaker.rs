//! The circuit breaker: its thresholds (`breaker`, `breaker set`), the changes a tripped
//! direction holds (`held`), and dropping them (`discard`; `resume` sends them on instead).

use crate::cmd::ctx::{Ctx, query};
use crate::cmd::error::{Result, usage};
use crate::table::{Table, cell, items};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct BreakerArgs {
    #[command(subcommand)]
    cmd: Option<BreakerCmd>,
}

#[derive(Debug, clap::Subcommand)]
pub enum BreakerCmd {
    /// The thresholds and the app's paused directions (the default).
    Get,
    /// Change thresholds; what is not given stays as it is.
    Set {
        /// Deletes and blanks within the window, as a share of bound records (percent).
        #[arg(long)]
        share: Option<u8>,
        /// Overwrites of non-empty values within the window (percent).
        #[arg(long)]
        overwrite_share: Option<u8>,
        /// Never trips below this many changes.
        #[arg(long)]
        min_records: Option<u64>,
        /// The rolling window (minutes, 10-1440).
        #[arg(long)]
        window_minutes: Option<u32>,
    },
}

/// One paused direction.
#[derive(Debug, clap::Args)]
pub struct DirectionArgs {
    #[arg(long, value_parser = ["lead", "account", "opportunity", "member"])]
    object: String,
    #[arg(long, value_parser = ["sf_to_jing", "jing_to_sf"])]
    direction: String,
}

pub async fn breaker(ctx: &Ctx, args: BreakerArgs) -> Result<()> {
    let path = ctx.app_path("/breaker")?;
    let reply = ctx.get(&path).await?;
    let Some(BreakerCmd::Set {
        share,
        overwrite_share,
        min_records,
        window_minutes,
    }) = args.cmd
    else {
        ctx.show(&reply, breaker_text);
        return Ok(());
    };
    let mut body = reply.value["breaker"].clone();
    let changes = [
        ("share_pct", share.map(Value::from)),
        ("overwrite_share_pct", overwrite_share.map(Value::from)),
        ("min_records", min_records.map(Value::from)),
        ("window_minutes", window_minutes.map(Value::from)),
    ];
    if changes.iter().all(|(_, v)| v.is_none()) {
        return Err(usage("nothing to change: see jingsf breaker set --help"));
    }
    for (key, value) in changes {
        if let Some(v) = value {
            body[key] = v;
        }
    }
    let saved = ctx.put(&path, body).await?;
    ctx.show(&saved, breaker_text);
    Ok(())
}

fn breaker_text(v: &Value) -> String {
    let b = &v["breaker"];
    let mut out = format!(
        "trips when, within {} minutes, deletes and blanks reach {}% or overwrites {}% of an \
         object's bound records (never below {} changes)\n",
        cell(&b["window_minutes"]),
        cell(&b["share_pct"]),
        cell(&b["overwrite_share_pct"]),
        cell(&b["min_records"])
    );
    for p in items(&v["paused"]) {
        out += &format!(
            "PAUSED {} {}: {}\n  see: jingsf held --object {} --direction {}\n",
            cell(&p["object"]),
            cell(&p["direction"]),
            cell(&p["reason"]["code"]),
            cell(&p["object"]),
            cell(&p["direction"])
        );
    }
    out
}

#[derive(Debug, clap::Args)]
pub struct HeldArgs {
    #[command(flatten)]
    target: DirectionArgs,
    /// At most this many (1-1000, default 100).
    #[arg(long)]
    limit: Option<u32>,
}

/// What a paused direction holds: records and the fields they would write (no values).
pub async fn held(ctx: &Ctx, args: HeldArgs) -> Result<()> {
    let t = &args.target;
    let q = query(&[
        ("object", Some(t.object.clone())),
        ("direction", Some(t.direction.clone())),
        ("limit", args.limit.map(|l| l.to_string())),
    ]);
    let reply = ctx.get(&ctx.app_path(&format!("/held{q}"))?).await?;
    ctx.show(&reply, |v| {
        let state = if v["paused"] == true {
            "paused"
        } else {
            "not paused"
        };
        let mut t2 = Table::new(&["RECORD", "OP", "FIELDS", "CHANGED AT"]);
        for h in items(&v["items"]) {
            let fields: Vec<String> = items(&h["fields"]).iter().map(cell).collect();
            t2.row([
                cell(&h["record"]),
                cell(&h["op"]),
                fields.join(","),
                cell(&h["source_time"]),
            ]);
        }
        let more = if v["truncated"] == true { "+" } else { "" };
        format!(
            "{} {}: {state}, {}{more} change(s) held\n{}then: jingsf resume | jingsf discard --yes (same --object/--direction)\n",
            t.object,
            t.direction,
            cell(&v["total"]),
            if t2.is_empty() { String::new() } else { t2.render() }
        )
    });
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct DiscardArgs {
    #[command(flatten)]
    target: DirectionArgs,
    /// Say yes: the held changes are dropped, never written.
    #[arg(long)]
    yes: bool,
}

/// Drop what a paused direction holds and open it again.
pub async fn discard(ctx: &Ctx, args: DiscardArgs) -> Result<()> {
    let t = &args.target;
    if !args.yes {
        return Err(usage(format!(
            "discarding drops the changes {} {} holds, never written: add --yes (or `jingsf resume` to send them on)",
            t.object, t.direction
        )));
    }
    let body = json!({ "object": t.object, "direction": t.direction });
    let reply = ctx.post(&ctx.app_path("/discard")?, body).await?;
    ctx.show(&reply, |v| {
        let was = if v["was_paused"] == true {
            "open again"
        } else {
            "was not paused"
        };
        format!(
            "{} {}: {} held change(s) discarded; {was}\n",
            t.object,
            t.direction,
            cell(&v["discarded"])
        )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_pauses_read_for_people() {
        let v = json!({"breaker": {"share_pct": 20, "overwrite_share_pct": 50, "min_records": 50, "window_minutes": 60},
            "paused": [{"object": "lead", "direction": "sf_to_jing", "reason": {"code": "MASS_DELETE_BLOCKED"}}]});
        let out = breaker_text(&v);
        assert!(
            out.contains("within 60 minutes, deletes and blanks reach 20% or overwrites 50%"),
            "{out}"
        );
        assert!(out.contains("never below 50 changes"), "{out}");
        assert!(
            out.contains("PAUSED lead sf_to_jing: MASS_DELETE_BLOCKED"),
            "{out}"
        );
    }
}
