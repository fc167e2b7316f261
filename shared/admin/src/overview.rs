//! The status overview (查看状态) of one app. `app` has no status use case yet, so this is a
//! thin read over the ports: usage and forecast (`app::quota_reset::usage_today`), success and
//! failure counts per object, failing records per category, pauses and initialization.

use crate::AdminState;
use crate::error::AdminError;
use app::quota_reset::Usage;
use app::settings::{AppSettings, AuthorizedAccount, InitState};
use domain::datetime::JING_OFFSET;
use domain::{Category, Direction, Lang, ObjectKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Synced-OK and failed records of one object (or all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub ok: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryCount {
    pub category: Category,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PauseView {
    pub object: ObjectKind,
    pub direction: Direction,
    pub code: domain::ErrorCode,
    pub cause_zh: String,
    pub cause_en: String,
    pub fix_zh: String,
    pub fix_en: String,
}

/// Everything the status page shows at the top.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub app: domain::AppId,
    pub name: String,
    pub enabled: bool,
    pub authorized: Option<AuthorizedAccount>,
    pub usage: Usage,
    /// The forecast as `HH:MM` China time (the page says "runs out at HH:MM").
    pub forecast_hhmm: Option<String>,
    /// `all`, then one entry per object that has records (lead, account, ...).
    pub counts: BTreeMap<String, Counts>,
    pub categories: Vec<CategoryCount>,
    pub paused: Vec<PauseView>,
    pub init: InitState,
}

/// Read the overview of an app.
pub async fn overview(st: &AdminState, settings: &AppSettings) -> Result<Overview, AdminError> {
    let app = &settings.app;
    let now = st.clock.now();
    let usage = app::quota_reset::usage_today(&st.quota_deps(), settings, now).await?;
    let forecast_hhmm = usage.forecast_exhaustion.map(|t| {
        let t = t.to_offset(JING_OFFSET);
        format!("{:02}:{:02}", t.hour(), t.minute())
    });
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for kind in [ObjectKind::Lead, ObjectKind::Account] {
        counts.insert(kind.as_str().to_owned(), Counts::default());
    }
    for (kind, n) in st.sync_log.count_by_object(app).await? {
        counts.entry(kind.as_str().to_owned()).or_default().ok += n;
    }
    for (kind, n) in st.errors.count_by_object(app).await? {
        counts.entry(kind.as_str().to_owned()).or_default().failed += n;
    }
    let all = counts.values().fold(Counts::default(), |a, c| Counts {
        ok: a.ok + c.ok,
        failed: a.failed + c.failed,
    });
    counts.insert("all".to_owned(), all);
    Ok(Overview {
        app: app.clone(),
        name: settings.name.clone(),
        enabled: settings.enabled,
        authorized: settings.authorized.clone(),
        usage,
        forecast_hhmm,
        counts,
        categories: categories(st.errors.count_by_category(app).await?),
        paused: settings.paused.iter().map(pause_view).collect(),
        init: settings.init.clone(),
    })
}

fn categories(counts: Vec<(Category, u64)>) -> Vec<CategoryCount> {
    let mut out: Vec<CategoryCount> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(category, count)| CategoryCount {
            category,
            label_zh: category.label(Lang::Zh),
            label_en: category.label(Lang::En),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.category.cmp(&b.category)));
    out
}

fn pause_view(p: &app::settings::Pause) -> PauseView {
    PauseView {
        object: p.object,
        direction: p.direction,
        code: p.reason.code,
        cause_zh: p.reason.cause(Lang::Zh),
        cause_en: p.reason.cause(Lang::En),
        fix_zh: p.reason.fix(Lang::Zh),
        fix_en: p.reason.fix(Lang::En),
    }
}

/// Categories with labels, as JSON (for the grouped-errors answer).
pub(crate) fn categories_json(counts: Vec<(Category, u64)>) -> serde_json::Value {
    serde_json::to_value(categories(counts)).unwrap_or_default()
}
