//! `jingsf status` and `jingsf errors`: the admin's read models from the embedded store, human
//! readable or `--json` (the same use cases the admin API serves).

use crate::worker::anyhow_lite::Result;
use app::ports::{Clock, SettingsStore, SystemClock};
use app::status::{StatusDeps, errors_by_root_cause, overview};
use domain::{AppId, Category, Lang};
use local::LocalStore;
use std::path::Path;

fn open(data_dir: &Path) -> Result<LocalStore> {
    let db = ["jingsf.db", "jingsf-demo.db"]
        .into_iter()
        .map(|f| data_dir.join(f))
        .find(|p| p.exists())
        .ok_or_else(|| {
            format!(
                "no store under {} (run `jingsf serve` or `jingsf demo` first)",
                data_dir.display()
            )
        })?;
    Ok(LocalStore::open(db)?)
}

async fn apps(store: &LocalStore, only: Option<&str>) -> Result<Vec<AppId>> {
    let all: Vec<AppId> = SettingsStore::list(store)
        .await?
        .into_iter()
        .map(|s| s.app)
        .collect();
    Ok(match only {
        Some(a) => all.into_iter().filter(|x| x.as_str() == a).collect(),
        None => all,
    })
}

fn deps<'a>(store: &'a LocalStore, queue: &'a local::SqliteQueue) -> StatusDeps<'a> {
    StatusDeps {
        errors: store,
        synced: store,
        ledger: store,
        bindings: store,
        quota: store,
        parked: store,
        settings: store,
        cursors: store,
        queue,
    }
}

pub async fn status(data_dir: &Path, app: Option<&str>, json: bool) -> Result<()> {
    let store = open(data_dir)?;
    let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(SystemClock);
    let queue = store.queue(clock.clone(), crate::wiring::MAX_RECEIVES);
    let mut out = Vec::new();
    for a in apps(&store, app).await? {
        out.push(overview(&deps(&store, &queue), &a, clock.now()).await?);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for o in out {
        let u = &o.usage;
        println!(
            "{} ({})  {}",
            o.name,
            o.app,
            if o.enabled { "on" } else { "off" }
        );
        println!(
            "  API today: {} / {} ({:.1}%), {} parked",
            u.used, u.allocated, u.pct, u.parked
        );
        if let Some(org) = u.org {
            println!(
                "  org API usage (24 h): {} / {}, {} left",
                org.used,
                org.max,
                org.remaining()
            );
        }
        if let Some(at) = u.forecast_exhaustion {
            println!("  at this rate the allocation runs out at {at}");
        }
        let (s, f) = (&o.success_counts, &o.failure_counts);
        println!(
            "  synced: {} (lead {}, account {}), failed: {} (lead {}, account {})",
            s.all, s.lead, s.account, f.all, f.lead, f.account
        );
        for c in o.errors_by_category.iter().filter(|c| c.count > 0) {
            println!("  {} / {}: {}", c.label_zh, c.label_en, c.count);
        }
        for p in &o.paused {
            println!(
                "  paused {:?} {:?}: {}",
                p.object,
                p.direction,
                p.reason.cause(Lang::En)
            );
        }
    }
    Ok(())
}

pub async fn errors(
    data_dir: &Path,
    app: Option<&str>,
    category: Option<&str>,
    json: bool,
) -> Result<()> {
    let store = open(data_dir)?;
    let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(SystemClock);
    let queue = store.queue(clock, crate::wiring::MAX_RECEIVES);
    let wanted: Option<Category> = match category {
        Some(c) => Some(serde_json::from_value(serde_json::Value::String(c.to_owned())).map_err(|_| {
            format!("unknown category {c:?}: use api_permission, mapping, value, association, quota, auth, transient or safety")
        })?),
        None => None,
    };
    let mut out = Vec::new();
    for a in apps(&store, app).await? {
        let causes = errors_by_root_cause(&deps(&store, &queue), &a).await?;
        out.extend(
            causes
                .into_iter()
                .filter(|c| wanted.is_none_or(|w| c.category == w))
                .map(|c| (a.clone(), c)),
        );
    }
    if json {
        let rows: Vec<_> = out
            .iter()
            .map(|(a, c)| serde_json::json!({"app": a, "cause": c}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if out.is_empty() {
        println!("no failing records");
    }
    for (a, c) in out {
        let field = c
            .field
            .as_deref()
            .map(|f| format!(".{f}"))
            .unwrap_or_default();
        println!(
            "[{a}] {:?} {}{}: {} record(s)",
            c.code, c.object, field, c.count
        );
        println!(
            "    cause: {}\n    fix:   {}\n    原因:  {}\n    处理:  {}",
            c.cause_en, c.fix_en, c.cause_zh, c.fix_zh
        );
    }
    Ok(())
}

/// `jingsf retry --object lead KEY...`: replay the changes these failing records failed with.
pub async fn retry(
    data_dir: &Path,
    app: &str,
    object: &str,
    keys: &[String],
    json: bool,
) -> Result<()> {
    let store = open(data_dir)?;
    let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(SystemClock);
    let queue = store.queue(clock, crate::wiring::MAX_RECEIVES);
    let app = AppId::parse(app)?;
    let object = domain::ObjectKind::parse(object)
        .ok_or("object must be lead, account, opportunity or member")?;
    let report = app::status::retry(
        &deps(&store, &queue),
        &app::status::StoredChanges,
        &app,
        object,
        keys,
    )
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "re-queued {}, not failing {}, nothing to replay {}",
            report.requeued.len(),
            report.not_failing.len(),
            report.no_change.len()
        );
        println!("(the writer applies re-queued changes; `jingsf serve` must be running)");
    }
    Ok(())
}

/// What `jingsf members` does.
pub enum MemberAction {
    List,
    Bind { user: String, employee: String },
    Rebind { user: String, employee: String },
    Create { user: String },
}

/// `jingsf members [bind|rebind|create]`: needs the app's clients (reads users and employees).
pub async fn members(
    cfg: &crate::config::Config,
    app: &str,
    action: MemberAction,
    json: bool,
) -> Result<()> {
    let local = crate::serve::local(cfg, secrecy::SecretString::from(String::new()))?;
    let edge = &local.edge;
    let app = AppId::parse(app)?;
    let settings = edge
        .settings
        .get(&app)
        .await?
        .ok_or_else(|| format!("unknown app {app}"))?;
    let clients = edge.clients(&settings).await?;
    let deps = edge.member_deps(&clients);
    let sf = |s: &str| domain::SfId::parse(s).map_err(|e| e.to_string());
    let jing = |s: &str| domain::JingId::parse(s).map_err(|e| e.to_string());
    let out = match action {
        MemberAction::List => {
            serde_json::to_value(app::members::list_members(&deps, &settings).await?)?
        }
        MemberAction::Bind { user, employee } => serde_json::to_value(
            app::members::bind(&deps, &app, &sf(&user)?, &jing(&employee)?).await?,
        )?,
        MemberAction::Rebind { user, employee } => serde_json::to_value(
            app::members::rebind(&deps, &app, &sf(&user)?, &jing(&employee)?).await?,
        )?,
        MemberAction::Create { user } => serde_json::to_value(
            app::members::create_as_new_member(&deps, &app, &sf(&user)?).await?,
        )?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_members(&out);
    }
    Ok(())
}

fn print_members(out: &serde_json::Value) {
    match out.as_array() {
        Some(rows) => {
            for r in rows {
                let state = &r["state"];
                println!(
                    "{:<20} {:<14} {}",
                    r["user_id"].as_str().unwrap_or("?"),
                    r["name"].as_str().unwrap_or(""),
                    state
                );
            }
        }
        None => println!("{out}"),
    }
}
