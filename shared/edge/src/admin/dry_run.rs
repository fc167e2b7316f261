//! Dry run (`app::dry_run`): what an initialization would do per object — under the settings
//! as they are, or with a rules or mapping change applied to a copy of them — writing nothing.

use crate::admin::extract::{Body, app_id, load, object};
use crate::admin::mapping_save::check_mapping;
use crate::{AdminError, Edge};
use app::dry_run::{DryRunDeps, DryRunError};
use app::settings::{AppSettings, DirectionRules};
use axum::Json;
use axum::extract::{Path, State};
use domain::spec::FieldMapping;
use domain::{Direction, ObjectKind, ObjectSpec};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// What to dry-run: an initialization, or one after a rules or mapping change (the bodies of
/// the PUT routes, applied to a copy of the settings only).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DryRunRequest {
    Init {
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
    },
    Rules {
        object: String,
        direction: Direction,
        rules: DirectionRules,
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
    },
    Mapping {
        object: String,
        mapping: Vec<FieldMapping>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
    },
}

const ALL: &[ObjectKind] = &[ObjectKind::Account, ObjectKind::Lead];

pub(crate) async fn dry_run(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<DryRunRequest>,
) -> Result<Json<Value>, AdminError> {
    let settings = load(&st, &app_id(&app)?).await?;
    let (kind, objects, window_start, settings) = match req {
        DryRunRequest::Init { window_start } => ("init", ALL.to_vec(), window_start, settings),
        DryRunRequest::Rules {
            object: obj,
            direction,
            rules,
            window_start,
        } => {
            let kind = object(&obj)?;
            let changed = with_rules(settings, kind, direction, rules)?;
            ("rules", vec![kind], window_start, changed)
        }
        DryRunRequest::Mapping {
            object: obj,
            mut mapping,
            window_start,
        } => {
            let kind = object(&obj)?;
            check_mapping(&st, &settings, kind, &mut mapping).await?;
            (
                "mapping",
                vec![kind],
                window_start,
                with_mapping(settings, kind, mapping)?,
            )
        }
    };
    let report = run(&st, &settings, window_start, &objects).await?;
    Ok(Json(json!({
        "kind": kind,
        "objects": report.objects,
        "salesforce": report.salesforce,
        "jing": report.jing,
        "max_records": app::dry_run::MAX_RECORDS,
    })))
}

async fn run(
    st: &Edge,
    settings: &AppSettings,
    window_start: Option<OffsetDateTime>,
    objects: &[ObjectKind],
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
    app::dry_run::initialization(&deps, settings, start, objects)
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
