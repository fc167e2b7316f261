//! Dry run (`app::dry_run`): what an initialization would do per object — under the settings
//! as they are, or with a rules or mapping change applied to a copy of them — writing nothing.

use crate::admin::extract::{Body, app_id, load, object};
use crate::admin::mapping_save::check_mapping;
use crate::{AdminError, Edge};
use app::dry_run::{Budget, DryRunDeps, DryRunError};
use app::settings::{AppSettings, DirectionRules};
use axum::Json;
use axum::extract::{Path, State};
use domain::spec::FieldMapping;
use domain::{Direction, ObjectKind, ObjectSpec};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What to dry-run: an initialization, or one after a rules or mapping change (the bodies of
/// the PUT routes, applied to a copy of the settings only).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DryRunRequest {
    Init {
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
        #[serde(default)]
        max_seconds: Option<u64>,
    },
    Rules {
        object: String,
        direction: Direction,
        rules: DirectionRules,
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
        #[serde(default)]
        max_seconds: Option<u64>,
    },
    Mapping {
        object: String,
        mapping: Vec<FieldMapping>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
        #[serde(default)]
        max_seconds: Option<u64>,
    },
}

const ALL: &[ObjectKind] = &[ObjectKind::Account, ObjectKind::Lead];

/// Where the last dry run's answer is kept (the status page shows it).
const LAST: &str = "dry_run:last";

/// What a dry run runs on: the kind, the objects read, the window, the (changed) settings and
/// how long it may read.
struct Plan {
    kind: &'static str,
    objects: Vec<ObjectKind>,
    window_start: Option<OffsetDateTime>,
    settings: AppSettings,
    max_seconds: Option<u64>,
}

pub(crate) async fn dry_run(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<DryRunRequest>,
) -> Result<Json<Value>, AdminError> {
    let app = app_id(&app)?;
    let settings = load(&st, &app).await?;
    let plan = plan(&st, settings, req).await?;
    let budget = budget(&st, plan.max_seconds)?;
    let ran_at = st.clock.now();
    let report = run(
        &st,
        &plan.settings,
        plan.window_start,
        &plan.objects,
        budget,
    )
    .await?;
    let answer = json!({
        "kind": plan.kind,
        "ran_at": ran_at.format(&Rfc3339).unwrap_or_default(),
        "complete": report.complete,
        "elapsed_ms": report.elapsed_ms,
        "max_seconds": budget.total.as_secs(),
        "objects": report.objects,
        "salesforce": report.salesforce,
        "jing": report.jing,
        "max_records": app::dry_run::MAX_RECORDS,
    });
    // The one thing a dry run writes: its answer, for the status page.
    st.cursors.put(&app, LAST, &answer.to_string()).await?;
    Ok(Json(answer))
}

/// The last dry run's answer (`last: null` before the first).
pub(crate) async fn last(
    State(st): State<Edge>,
    Path(app): Path<String>,
) -> Result<Json<Value>, AdminError> {
    let app = app_id(&app)?;
    load(&st, &app).await?;
    let last = match st.cursors.get(&app, LAST).await? {
        Some(raw) => serde_json::from_str(&raw).unwrap_or(Value::Null),
        None => Value::Null,
    };
    Ok(Json(json!({ "last": last })))
}

async fn plan(st: &Edge, settings: AppSettings, req: DryRunRequest) -> Result<Plan, AdminError> {
    Ok(match req {
        DryRunRequest::Init {
            window_start,
            max_seconds,
        } => Plan {
            kind: "init",
            objects: ALL.to_vec(),
            window_start,
            settings,
            max_seconds,
        },
        DryRunRequest::Rules {
            object: obj,
            direction,
            rules,
            window_start,
            max_seconds,
        } => {
            let kind = object(&obj)?;
            Plan {
                kind: "rules",
                objects: vec![kind],
                window_start,
                settings: with_rules(settings, kind, direction, rules)?,
                max_seconds,
            }
        }
        DryRunRequest::Mapping {
            object: obj,
            mut mapping,
            window_start,
            max_seconds,
        } => {
            let kind = object(&obj)?;
            check_mapping(st, &settings, kind, &mut mapping).await?;
            Plan {
                kind: "mapping",
                objects: vec![kind],
                window_start,
                settings: with_mapping(settings, kind, mapping)?,
                max_seconds,
            }
        }
    })
}

/// The deployment's budget, or less when asked (0: one page per object and side).
fn budget(st: &Edge, max_seconds: Option<u64>) -> Result<Budget, AdminError> {
    let most = st.options.dry_run_budget;
    let total = match max_seconds.map(Duration::from_secs) {
        Some(asked) if asked > most => {
            return Err(AdminError::InvalidInput(format!(
                "max_seconds is at most {} on this deployment",
                most.as_secs()
            )));
        }
        Some(asked) => asked,
        None => most,
    };
    Ok(Budget::from_now(total))
}

async fn run(
    st: &Edge,
    settings: &AppSettings,
    window_start: Option<OffsetDateTime>,
    objects: &[ObjectKind],
    budget: Budget,
) -> Result<app::dry_run::DryRunReport, AdminError> {
    let clients = st.clients(settings).await?;
    let deps = DryRunDeps {
        bindings: st.bindings.as_ref(),
        sf: clients.sf.as_ref(),
        jing: clients.jing.as_ref(),
        clock: st.clock.as_ref(),
    };
    // One year back unless told: what most first initializations pull.
    let start = window_start.unwrap_or_else(|| st.clock.now() - time::Duration::days(365));
    app::dry_run::initialization(&deps, settings, start, objects, budget)
        .await
        .map_err(|e| match e {
            DryRunError::Window(w) => AdminError::InvalidInput(w),
            DryRunError::Remote(r) => AdminError::Remote(r),
            DryRunError::Store(s) => s.into(),
        })
}

fn object_mut(
    s: &mut AppSettings,
    kind: ObjectKind,
) -> Result<&mut app::settings::ObjectSettings, AdminError> {
    s.objects
        .get_mut(&kind)
        .ok_or_else(|| AdminError::NotFound(format!("object {kind}")))
}

/// The settings with `rules` for one direction, refused as the PUT route refuses them.
fn with_rules(
    mut s: AppSettings,
    kind: ObjectKind,
    d: Direction,
    rules: DirectionRules,
) -> Result<AppSettings, AdminError> {
    if d == Direction::JingToSf && !ObjectSpec::of(kind).writable_in_sf && rules.enabled() {
        return Err(AdminError::InvalidInput(format!(
            "{kind} never syncs from JING to Salesforce; leave this direction off"
        )));
    }
    *object_mut(&mut s, kind)?.rules_mut(d) = rules;
    Ok(s)
}

fn with_mapping(
    mut s: AppSettings,
    kind: ObjectKind,
    mapping: Vec<FieldMapping>,
) -> Result<AppSettings, AdminError> {
    object_mut(&mut s, kind)?.mapping = mapping;
    Ok(s)
}
