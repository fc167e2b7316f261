//! Dry run of an initialization (`app::dry_run`): what it would do per object, writing nothing.

use crate::admin::extract::{Body, app_id, load};
use crate::{AdminError, Edge};
use app::dry_run::{DryRunDeps, DryRunError};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// What to dry-run. Only an initialization for now.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DryRunRequest {
    Init {
        /// How far back (at most three years); one year when left out.
        #[serde(default, with = "time::serde::rfc3339::option")]
        window_start: Option<OffsetDateTime>,
    },
}

pub(crate) async fn dry_run(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(req): Body<DryRunRequest>,
) -> Result<Json<Value>, AdminError> {
    let DryRunRequest::Init { window_start } = req;
    let settings = load(&st, &app_id(&app)?).await?;
    let clients = st.clients(&settings).await?;
    let deps = DryRunDeps {
        bindings: st.bindings.as_ref(),
        sf: clients.sf.as_ref(),
        jing: clients.jing.as_ref(),
        clock: st.clock.as_ref(),
    };
    let start = window_start.unwrap_or_else(|| st.clock.now() - time::Duration::days(365));
    let report = app::dry_run::initialization(&deps, &settings, start)
        .await
        .map_err(|e| match e {
            DryRunError::Window(w) => AdminError::InvalidInput(w),
            DryRunError::Remote(r) => AdminError::Remote(r),
            DryRunError::Store(s) => s.into(),
        })?;
    Ok(Json(json!({
        "kind": "init",
        "objects": report.objects,
        "salesforce": report.salesforce,
        "jing": report.jing,
        "max_records": app::dry_run::MAX_RECORDS,
    })))
}
