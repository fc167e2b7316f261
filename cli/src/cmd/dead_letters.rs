//! `jingsf dead-letters`: changes that failed for a day of retries (or do not decode): list
//! them with why, show one with the change it carries, send them back to the queue. The queue
//! is one per deployment, so `--app` filters instead of choosing.

use crate::cmd::ctx::{Ctx, query, seg};
use crate::cmd::error::{CliError, Result, usage};
use crate::table::{Table, cell, items};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct DeadLettersArgs {
    #[command(subcommand)]
    cmd: Option<DeadLettersCmd>,
}

#[derive(Debug, clap::Subcommand)]
pub enum DeadLettersCmd {
    /// The letters (oldest first) and their causes (the default).
    List {
        /// Only letters with exactly this reason (as the CAUSES table shows it).
        #[arg(long)]
        reason: Option<String>,
    },
    /// One letter in full, with the change it carries (values included).
    Show { id: String },
    /// Send letters back to the queue: chosen ids, every letter of --app and/or --reason, or
    /// --all. Exit 6 when some chosen ids were not dead letters.
    Redrive {
        ids: Vec<String>,
        #[arg(long, conflicts_with = "ids")]
        reason: Option<String>,
        /// Everything, of every app (only without ids, --app or --reason).
        #[arg(long, conflicts_with_all = ["ids", "reason"])]
        all: bool,
    },
}

pub async fn run(ctx: &Ctx, args: DeadLettersArgs) -> Result<()> {
    match args.cmd.unwrap_or(DeadLettersCmd::List { reason: None }) {
        DeadLettersCmd::List { reason } => list(ctx, reason).await,
        DeadLettersCmd::Show { id } => show(ctx, &id).await,
        DeadLettersCmd::Redrive { ids, reason, all } => redrive(ctx, ids, reason, all).await,
    }
}

async fn list(ctx: &Ctx, reason: Option<String>) -> Result<()> {
    let app = ctx.explicit_app().map(str::to_owned);
    let q = query(&[("app", app), ("reason", reason)]);
    let reply = ctx.get(&format!("/dead-letters{q}")).await?;
    ctx.show(&reply, list_text);
    Ok(())
}

fn list_text(v: &Value) -> String {
    let letters = items(&v["items"]);
    if letters.is_empty() {
        return "no dead letters\n".into();
    }
    let mut t = Table::new(&[
        "ID",
        "APP",
        "OBJECT",
        "RECORD",
        "OP",
        "TRIES",
        "FIRST TRY",
        "LAST TRY",
    ]);
    for l in letters {
        t.row([
            cell(&l["id"]),
            cell(&l["app"]),
            cell(&l["object"]),
            cell(&l["record"]),
            cell(&l["op"]),
            cell(&l["receive_count"]),
            cell(&l["first_try"]),
            cell(&l["last_try"]),
        ]);
    }
    let mut causes = Table::new(&["COUNT", "CAUSE"]);
    for c in items(&v["causes"]) {
        causes.row([cell(&c["count"]), cell(&c["reason"])]);
    }
    let mut out = format!("{}\n{}", t.render(), causes.render());
    if v["truncated"] == true {
        out += "(more letters exist: the oldest are listed)\n";
    }
    out + "send back: jingsf dead-letters redrive ID... | --reason REASON | --all\n"
}

async fn show(ctx: &Ctx, id: &str) -> Result<()> {
    let reply = ctx.get(&format!("/dead-letters/{}", seg(id))).await?;
    ctx.show(&reply, |v| {
        let mut t = Table::plain();
        for (label, key) in [
            ("id:", "id"),
            ("app:", "app"),
            ("object:", "object"),
            ("record:", "record"),
            ("op:", "op"),
            ("lane:", "lane"),
            ("reason:", "reason"),
            ("tries:", "receive_count"),
            ("first try:", "first_try"),
            ("last try:", "last_try"),
        ] {
            t.row([label, &cell(&v[key])]);
        }
        let body = match (&v["change"], &v["raw"]) {
            (Value::Null, Value::Null) => String::new(),
            (Value::Null, raw) => format!("raw body (does not decode):\n{}\n", cell(raw)),
            (change, _) => format!(
                "change:\n{}\n",
                serde_json::to_string_pretty(change).unwrap_or_default()
            ),
        };
        t.render() + &body
    });
    Ok(())
}

async fn redrive(ctx: &Ctx, ids: Vec<String>, reason: Option<String>, all: bool) -> Result<()> {
    let app = ctx.explicit_app().map(str::to_owned);
    let body = if !ids.is_empty() {
        json!({ "ids": ids })
    } else if app.is_some() || reason.is_some() {
        let mut b = json!({});
        if let Some(a) = app {
            b["app"] = json!(a);
        }
        if let Some(r) = reason {
            b["reason"] = json!(r);
        }
        b
    } else if all {
        json!({ "all": true })
    } else {
        return Err(usage(
            "say which letters: ids, --app, --reason, or --all for every one",
        ));
    };
    let reply = ctx.post("/dead-letters/redrive", body).await?;
    ctx.show(&reply, |v| {
        let mut out = format!(
            "{} letter(s) sent back to the queue\n",
            cell(&v["redriven"])
        );
        let unknown: Vec<String> = items(&v["unknown"]).iter().map(cell).collect();
        if !unknown.is_empty() {
            out += &format!("not dead letters: {}\n", unknown.join(" "));
        }
        out
    });
    let unknown = items(&reply.value["unknown"]).len();
    if unknown > 0 {
        return Err(CliError::Partial(format!(
            "{unknown} chosen id(s) are not dead letters (see `jingsf dead-letters`)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_listed_with_their_causes() {
        let v = json!({"items": [{"id": "7", "app": "acme", "object": "lead", "record": "00Q1",
            "op": "upsert", "receive_count": 105, "first_try": "2026-12-06T10:00:00Z", "last_try": null,
            "reason": "still failing"}],
            "causes": [{"reason": "still failing", "count": 1}], "truncated": false});
        let out = list_text(&v);
        assert!(
            out.contains("7   acme  lead    00Q1    upsert  105"),
            "{out}"
        );
        assert!(out.contains("1      still failing"), "{out}");
        assert_eq!(list_text(&json!({"items": []})), "no dead letters\n");
    }
}
