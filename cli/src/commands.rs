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
