//! The external-ID field holding the JING id on a Salesforce object: shown with the fields the
//! org marks External ID (candidates), and set or cleared after the org's describe confirms it.
//! With it, creates in Salesforce are upserts on it: never a second record for one JING record.

use crate::admin::extract::{Body, app_id, load, object, save_config};
use crate::{AdminError, Edge};
use app::settings::AppSettings;
use axum::Json;
use axum::extract::{Path, State};
use domain::describe::{SfFieldType, SfObjectDescribe};
use domain::{ObjectKind, ObjectSpec};
use serde::Deserialize;
use serde_json::{Value, json};

/// JING ids fit in this many characters with room to spare.
const MIN_LENGTH: u32 = 32;

fn writable(kind: ObjectKind) -> Result<&'static ObjectSpec, AdminError> {
    let spec = ObjectSpec::of(kind);
    if spec.writable_in_sf && kind != ObjectKind::Member {
        Ok(spec)
    } else {
        Err(AdminError::InvalidInput(format!(
            "{kind} is never created in Salesforce: it needs no external-ID field"
        )))
    }
}

async fn describe(
    st: &Edge,
    s: &AppSettings,
    spec: &ObjectSpec,
) -> Result<SfObjectDescribe, AdminError> {
    let clients = st.clients(s).await?;
    Ok(clients.sf.describe(spec.sf_object).await?)
}

/// Text fields of the object marked External ID, long enough for a JING id.
fn candidates(d: &SfObjectDescribe) -> Vec<String> {
    d.fields
        .iter()
        .filter(|f| f.external_id && f.sf_type == SfFieldType::String && f.length >= MIN_LENGTH)
        .map(|f| f.name.clone())
        .collect()
}

pub(crate) async fn get(
    State(st): State<Edge>,
    Path((app, obj)): Path<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    let spec = writable(object(&obj)?)?;
    let s = load(&st, &app_id(&app)?).await?;
    let field = s.object(spec.kind).and_then(|o| o.sf_external_id.clone());
    let candidates = match describe(&st, &s, spec).await {
        Ok(d) => json!(candidates(&d)),
        Err(AdminError::NotConnected(_)) => Value::Null,
        Err(e) => return Err(e),
    };
    Ok(Json(json!({
        "revision": s.revision,
        "object": spec.sf_object,
        "field": field,
        "candidates": candidates,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExternalIdRequest {
    /// The field's API name, or null to go back to plain creates.
    field: Option<String>,
    #[serde(default)]
    revision: Option<u64>,
}

pub(crate) async fn put(
    State(st): State<Edge>,
    Path((app, obj)): Path<(String, String)>,
    Body(req): Body<ExternalIdRequest>,
) -> Result<Json<Value>, AdminError> {
    let spec = writable(object(&obj)?)?;
    let mut s = load(&st, &app_id(&app)?).await?;
    if let Some(name) = &req.field {
        let d = describe(&st, &s, spec).await?;
        let f = d.field(name).ok_or_else(|| {
            AdminError::InvalidInput(format!("{} has no field {name:?}", spec.sf_object))
        })?;
        if !candidates(&d).contains(&f.name) {
            return Err(AdminError::InvalidInput(format!(
                "{}.{} must be a Text field of at least {MIN_LENGTH} characters marked External ID \
                 (it is {:?}, length {}, external id {})",
                spec.sf_object, f.name, f.sf_type, f.length, f.external_id
            )));
        }
    }
    let o = s
        .objects
        .get_mut(&spec.kind)
        .ok_or_else(|| AdminError::NotFound(format!("object {}", spec.kind)))?;
    o.sf_external_id = req.field;
    let saved = save_config(&st, s, req.revision).await?;
    Ok(Json(json!({
        "revision": saved.revision,
        "object": spec.sf_object,
        "field": saved.objects[&spec.kind].sf_external_id,
    })))
}
