//! The status overview (查看状态) as the page shows it: `app::status::overview` plus the
//! forecast as `HH:MM` China time, counts keyed by object, and pauses with cause and fix.

use crate::Edge;
use crate::admin::error::AdminError;
use app::quota_reset::Usage;
use app::settings::{AuthorizedAccount, InitState, Pause};
use app::status::{CategoryCount, ObjectCounts};
use domain::datetime::JING_OFFSET;
use domain::{AppId, Direction, ErrorCode, Lang, ObjectKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Synced-OK and failed records of one object (or all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub ok: u64,
    pub failed: u64,
}

/// A paused direction with why and what to do.
#[derive(Debug, Clone, Serialize)]
pub struct PauseView {
    pub object: ObjectKind,
    pub direction: Direction,
    pub code: ErrorCode,
    pub cause_zh: String,
    pub cause_en: String,
    pub fix_zh: String,
    pub fix_en: String,
}

/// Everything the status page shows at the top.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub app: AppId,
    pub name: String,
    pub enabled: bool,
    pub authorized: Option<AuthorizedAccount>,
    pub usage: Usage,
    /// The forecast as `HH:MM` China time (the page says "runs out at HH:MM").
    pub forecast_hhmm: Option<String>,
    /// When the initialization's share runs out, `HH:MM` China time (`usage.lanes`).
    pub init_forecast_hhmm: Option<String>,
    /// Keys `all`, `lead`, `account`, `opportunity`, `member`.
    pub counts: BTreeMap<&'static str, Counts>,
    /// The vendor guide's four categories always, the others when they occur.
    pub categories: Vec<CategoryCount>,
    pub paused: Vec<PauseView>,
    pub members_bound: u64,
    pub init: InitState,
}

/// Read the overview of an app.
pub async fn overview(st: &Edge, app: &AppId) -> Result<Overview, AdminError> {
    let o = app::status::overview(&st.status_deps(), app, st.clock.now()).await?;
    let hhmm = |t: time::OffsetDateTime| {
        let t = t.to_offset(JING_OFFSET);
        format!("{:02}:{:02}", t.hour(), t.minute())
    };
    let forecast_hhmm = o.usage.forecast_exhaustion.map(hhmm);
    let init_forecast_hhmm = o.usage.lanes.initialization_exhaustion.map(hhmm);
    Ok(Overview {
        app: o.app,
        name: o.name,
        enabled: o.enabled,
        authorized: o.authorized,
        usage: o.usage,
        forecast_hhmm,
        init_forecast_hhmm,
        counts: counts(&o.success_counts, &o.failure_counts),
        categories: o.errors_by_category,
        paused: o.paused.iter().map(pause_view).collect(),
        members_bound: o.members_bound,
        init: o.init,
    })
}

fn counts(ok: &ObjectCounts, failed: &ObjectCounts) -> BTreeMap<&'static str, Counts> {
    let pick = |c: &ObjectCounts| {
        [
            ("all", c.all),
            ("lead", c.lead),
            ("account", c.account),
            ("opportunity", c.opportunity),
            ("member", c.member),
        ]
    };
    pick(ok)
        .into_iter()
        .zip(pick(failed))
        .map(|((key, ok), (_, failed))| (key, Counts { ok, failed }))
        .collect()
}

fn pause_view(p: &Pause) -> PauseView {
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
