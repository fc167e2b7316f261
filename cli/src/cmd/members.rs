//! `jingsf members`: Salesforce users with their binding state, matching now, and binding by
//! hand (bind, rebind, create as a new JING member).

use crate::cmd::ctx::{Ctx, query, seg};
use crate::cmd::error::Result;
use crate::table::{Table, cell, items};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    #[command(subcommand)]
    action: Option<MembersCmd>,
}

#[derive(Debug, clap::Subcommand)]
pub enum MembersCmd {
    /// Users and their binding state (the default).
    List {
        /// Only users in this state.
        #[arg(long, value_parser = ["bound", "unbound", "ambiguous"])]
        state: Option<String>,
        /// Also list the JING employees to bind to.
        #[arg(long)]
        employees: bool,
    },
    /// Users whose name, e-mail or mobile (any form: +86, separators, 4+ digits) matches TEXT.
    Search {
        text: String,
        #[arg(long, value_parser = ["bound", "unbound", "ambiguous"])]
        state: Option<String>,
    },
    /// Match members now (by mobile, then e-mail).
    Sync,
    /// Bind an unbound user to a JING employee.
    Bind { user: String, employee: String },
    /// Move a user's binding to another employee.
    Rebind { user: String, employee: String },
    /// Create the user as a new JING employee and bind them.
    Create { user: String },
}

pub async fn run(ctx: &Ctx, args: MembersArgs) -> Result<()> {
    let action = args.action.unwrap_or(MembersCmd::List {
        state: None,
        employees: false,
    });
    let user_path =
        |user: &str, what: &str| ctx.app_path(&format!("/members/{}/{what}", seg(user)));
    let reply = match action {
        MembersCmd::List { state, employees } => return list(ctx, state, None, employees).await,
        MembersCmd::Search { text, state } => return list(ctx, state, Some(text), false).await,
        MembersCmd::Sync => {
            let reply = ctx.post(&ctx.app_path("/members/sync")?, json!({})).await?;
            ctx.show(&reply, sync_text);
            return Ok(());
        }
        MembersCmd::Bind { user, employee } => {
            let body = json!({ "employee": employee });
            ctx.post(&user_path(&user, "bind")?, body).await?
        }
        MembersCmd::Rebind { user, employee } => {
            let body = json!({ "employee": employee });
            ctx.post(&user_path(&user, "rebind")?, body).await?
        }
        MembersCmd::Create { user } => ctx.post(&user_path(&user, "create")?, json!({})).await?,
    };
    ctx.show(&reply, binding_text);
    Ok(())
}

async fn list(
    ctx: &Ctx,
    state: Option<String>,
    text: Option<String>,
    employees: bool,
) -> Result<()> {
    // The API searches (names, e-mails, mobiles in any form) and filters bound/unbound itself;
    // "ambiguous" is a kind of unbound, narrowed here.
    let status = state.as_deref().map(|s| match s {
        "bound" => "bound".to_owned(),
        _ => "unbound".to_owned(),
    });
    let q = query(&[
        ("q", text),
        ("status", status),
        ("limit", Some("200".into())),
    ]);
    let mut reply = ctx.get(&ctx.app_path(&format!("/members{q}"))?).await?;
    if employees {
        let picker = ctx
            .get(&ctx.app_path("/members/employees?limit=200")?)
            .await?;
        reply.value["employees"] = picker.value["employees"].clone();
        reply.raw = reply.value.to_string();
    }
    let only = Filter {
        state: state.as_deref(),
        text: None,
    };
    ctx.show(&reply, |v| list_text(v, &only, employees));
    Ok(())
}

fn binding_text(v: &Value) -> String {
    let mut out = format!(
        "{} is bound to JING employee {}",
        cell(&v["user_id"]),
        cell(&v["jing_id"])
    );
    if let Some(name) = v["name"].as_str() {
        out += &format!(" ({name})");
    }
    for (key, what) in [("released_employee", "employee"), ("released_user", "user")] {
        if let Some(r) = v[key].as_str() {
            out += &format!("; released {what} {r}");
        }
    }
    out + "\n"
}

/// Which members a listing shows (the API answers all of them).
struct Filter<'a> {
    state: Option<&'a str>,
    /// Lower case.
    text: Option<String>,
}

impl Filter<'_> {
    fn keeps(&self, m: &Value) -> bool {
        let state = &m["state"];
        if self.state.is_some_and(|s| state["state"] != s) {
            return false;
        }
        let Some(text) = &self.text else { return true };
        let fields = [&m["user_id"], &m["name"], &m["email"], &m["mobile"]];
        fields
            .into_iter()
            .chain([&state["jing_id"], &state["employee_name"]])
            .filter_map(|v| v.as_str())
            .any(|v| v.to_lowercase().contains(text.as_str()))
    }
}

fn list_text(v: &Value, only: &Filter, employees: bool) -> String {
    let mut t = Table::new(&[
        "USER", "NAME", "E-MAIL", "MOBILE", "ACTIVE", "STATE", "EMPLOYEE",
    ]);
    for m in items(&v["members"]) {
        let state = &m["state"];
        if !only.keeps(m) {
            continue;
        }
        let employee = match state["jing_id"].as_str() {
            Some(id) => format!("{id} {}", state["employee_name"].as_str().unwrap_or("")),
            None => "-".into(),
        };
        t.row([
            cell(&m["user_id"]),
            cell(&m["name"]),
            cell(&m["email"]),
            cell(&m["mobile"]),
            cell(&m["active"]),
            cell(&state["state"]),
            employee.trim_end().to_owned(),
        ]);
    }
    let mut out = t.render();
    let shown = items(&v["members"]).len() as u64;
    if let Some(total) = v["total"].as_u64().filter(|t| *t > shown) {
        out += &format!("({shown} of {total} shown; narrow with `members search TEXT`)\n");
    }
    if employees {
        let mut e = Table::new(&["EMPLOYEE", "NAME", "E-MAIL", "MOBILE"]);
        for x in items(&v["employees"]) {
            e.row([
                cell(&x["id"]),
                cell(&x["name"]),
                cell(&x["email"]),
                cell(&x["mobile"]),
            ]);
        }
        out += &format!("\n{}", e.render());
    }
    out
}

fn sync_text(v: &Value) -> String {
    if v["disabled"] == true {
        return "member matching is off for this app (or the app is off): nothing done\n".into();
    }
    let n = |k: &str| items(&v[k]).len();
    format!(
        "read {} users and {} employees; {} already bound, {} newly bound, {} unbound, {} ambiguous, {} deactivated\n",
        cell(&v["users"]),
        cell(&v["employees"]),
        cell(&v["already_bound"]),
        n("bound"),
        n("unbound"),
        n("ambiguous"),
        n("deactivated")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_list_with_state_filter() {
        let v = json!({"members": [
            {"user_id": "005A", "name": "王一", "email": "w***@a.cn", "mobile": "138****0001", "active": true,
             "state": {"state": "bound", "jing_id": "e1", "employee_name": "王一", "how": "mobile"}},
            {"user_id": "005B", "name": "Li", "email": null, "mobile": null, "active": true,
             "state": {"state": "unbound"}}],
            "employees": [{"id": "e1", "name": "王一", "mobile": null, "email": null}]});
        let f = |state: Option<&'static str>, text: Option<&str>| Filter {
            state,
            text: text.map(str::to_owned),
        };
        let all = list_text(&v, &f(None, None), true);
        assert!(all.contains("005A  王一  w***@a.cn"), "{all}");
        assert!(all.contains("bound    e1 王一"), "{all}");
        assert!(all.contains("EMPLOYEE  NAME"), "{all}");
        let unbound = list_text(&v, &f(Some("unbound"), None), false);
        assert!(
            !unbound.contains("005A") && unbound.contains("005B"),
            "{unbound}"
        );
        let found = list_text(&v, &f(None, Some("li")), false);
        assert!(!found.contains("005A") && found.contains("005B"), "{found}");
        let by_employee = list_text(&v, &f(None, Some("e1")), false);
        assert!(
            by_employee.contains("005A") && !by_employee.contains("005B"),
            "{by_employee}"
        );
    }
}
