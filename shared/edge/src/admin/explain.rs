//! "Why didn't it sync?": one record's recent decisions (`app::status::explain`).

use crate::admin::extract::{app_id, load, object};
use crate::{AdminError, Edge};
use app::ports::{KEEP_FOR, KEEP_PER_RECORD};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

type JsonResult = Result<Json<Value>, AdminError>;

/// The record's decisions newest first (either side's id), its binding if any, and how long
/// the log keeps them.
pub(crate) async fn explain(
    State(st): State<Edge>,
    Path((app, obj, record)): Path<(String, String, String)>,
) -> JsonResult {
    let kind = object(&obj)?;
    let s = load(&st, &app_id(&app)?).await?;
    let now = st.clock.now();
    let found = app::status::explain(
        st.bindings.as_ref(),
        st.decisions.as_ref(),
        &s.app,
        kind,
        &record,
        now,
    )
    .await?;
    let decisions: Vec<Value> = found
        .decisions
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.remove("app");
            }
            v
        })
        .collect();
    let binding = found.binding.map(|b| {
        json!({
            "sf_id": b.sf_id, "jing_id": b.jing_id, "name": b.name,
            "synced_at": b.synced_at.format(&time::format_description::well_known::Rfc3339).ok(),
            "sf_url": crate::admin::status::sf_url(&s, kind, b.sf_id.as_str()),
        })
    });
    Ok(Json(json!({
        "object": kind,
        "record": record.trim(),
        "binding": binding,
        "decisions": decisions,
        "kept": { "per_record": KEEP_PER_RECORD, "days": KEEP_FOR.whole_days() },
    })))
}
