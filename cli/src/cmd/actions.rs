//! Acting on what went wrong: `retry` (chosen records, or every record of one root cause),
//! `conflicts` (the ledger), `resume` (a paused direction).

use crate::cmd::ctx::Ctx;
use crate::cmd::error::{CliError, Result};
use crate::cmd::status::{ListArgs, page_line};
use crate::table::{Table, cell, items, value_text};
use serde_json::{Value, json};

/// The retry endpoint takes at most this many records per call.
const RETRY_BATCH: usize = 200;

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["keys", "cause"]))]
pub struct RetryArgs {
    /// With keys: lead, account, opportunity or member. With --cause: the object as `jingsf
    /// errors` names it (e.g. Lead).
    #[arg(long)]
    object: String,
    /// Record keys as `jingsf failures` lists them.
    keys: Vec<String>,
    /// Every record failing with this error code (a root cause of `jingsf errors`).
    #[arg(long)]
    cause: Option<String>,
    /// The root cause's field, when it has one.
    #[arg(long, requires = "cause")]
    field: Option<String>,
}

/// Queue failed records again. Exit 6 (partial) when some of the chosen keys were not requeued.
pub async fn retry(ctx: &Ctx, args: RetryArgs) -> Result<()> {
    if let Some(code) = &args.cause {
        let body = json!({ "code": code, "object": args.object, "field": args.field });
        let reply = ctx.post(&ctx.app_path("/errors/retry")?, body).await?;
        ctx.show(&reply, retry_text);
        return Ok(());
    }
    let object = args.object.to_ascii_lowercase();
    let mut report = json!({ "requeued": [], "not_failing": [], "no_change": [] });
    for chunk in args.keys.chunks(RETRY_BATCH) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|k| json!({ "object": object, "record_key": k }))
            .collect();
        let reply = ctx
            .post(&ctx.app_path("/retry")?, json!({ "records": records }))
            .await?;
        for key in ["requeued", "not_failing", "no_change"] {
            if let (Some(all), Some(more)) =
                (report[key].as_array_mut(), reply.value[key].as_array())
            {
                all.extend(more.iter().cloned());
            }
        }
    }
    ctx.print_value(&report, retry_text);
    let requeued = items(&report["requeued"]).len();
    if requeued < args.keys.len() {
        return Err(CliError::Partial(format!(
            "{} of {} record(s) requeued",
            requeued,
            args.keys.len()
        )));
    }
    Ok(())
}

fn retry_text(v: &Value) -> String {
    let list = |k: &str| {
        let keys: Vec<String> = items(&v[k]).iter().map(cell).collect();
        if keys.is_empty() {
            "-".to_owned()
        } else {
            keys.join(" ")
        }
    };
    let mut t = Table::plain();
    t.row(["requeued:", &list("requeued")]);
    t.row(["not failing (synced meanwhile):", &list("not_failing")]);
    t.row(["no change to replay:", &list("no_change")]);
    t.render() + "the writer applies requeued changes; `jingsf failures` shows what still fails\n"
}

#[derive(Debug, clap::Args)]
pub struct ConflictsArgs {
    #[command(flatten)]
    list: ListArgs,
}

/// The conflict ledger: both sides changed a two-way field; both values and who won.
pub async fn conflicts(ctx: &Ctx, args: ConflictsArgs) -> Result<()> {
    let path = ctx.app_path(&format!("/conflicts{}", args.list.query(None)))?;
    let reply = ctx.get(&path).await?;
    ctx.show(&reply, |v| {
        let mut t = Table::new(&[
            "AT", "OBJECT", "RECORD", "FIELD", "INCOMING", "TARGET", "WINNER",
        ]);
        for c in items(&v["items"]) {
            let x = &c["conflict"];
            t.row([
                cell(&c["at"]),
                cell(&c["object"]),
                cell(&c["record_key"]),
                cell(&c["field"]),
                value_text(&x["incoming"]),
                value_text(&x["target"]),
                cell(&x["winner"]),
            ]);
        }
        t.render() + &page_line(v)
    });
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    #[arg(long, value_parser = ["lead", "account", "opportunity", "member"])]
    object: String,
    #[arg(long, value_parser = ["sf_to_jing", "jing_to_sf"])]
    direction: String,
}

/// Resume a paused direction and queue its parked changes again.
pub async fn resume(ctx: &Ctx, args: ResumeArgs) -> Result<()> {
    let body = json!({ "object": args.object, "direction": args.direction });
    let reply = ctx.post(&ctx.app_path("/resume")?, body).await?;
    ctx.show(&reply, |v| {
        let was = if v["was_paused"] == true {
            "resumed"
        } else {
            "was not paused"
        };
        let r = &v["requeue"];
        format!(
            "{} {}: {was}; {} parked change(s) requeued in {} chunk(s), {} still parked\n",
            args.object,
            args.direction,
            cell(&r["requeued"]),
            cell(&r["chunks"]),
            cell(&r["still_parked"])
        )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_report_lists_each_outcome() {
        let out = retry_text(
            &json!({"requeued": ["00Q1", "00Q2"], "not_failing": [], "no_change": ["j9"]}),
        );
        assert!(
            out.contains("requeued:                        00Q1 00Q2"),
            "{out}"
        );
        assert!(out.contains("not failing (synced meanwhile):  -"), "{out}");
        assert!(out.contains("no change to replay:             j9"), "{out}");
    }
}
