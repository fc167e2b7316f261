//! sObject Collections upsert (`PATCH /composite/sobjects/{Type}/{ExtField}`, v46+): one type,
//! matched on an external-id field; results add `created`.

use crate::collections::{Outcome, parse_request, run_all};
use crate::dml::{self, DmlResult, WriteOpts};
use crate::errors::{ApiError, ApiResult, DmlError, json_response};
use crate::gate::Ctx;
use crate::records::object_from_url;
use crate::schema::{Field, Object};
use crate::state::{Org, Shared};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use domain::ids::SfId;
use serde_json::{Map, Value, json};

pub async fn upsert(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, field)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let ext = obj.field(&field).filter(|f| f.external_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {field}"),
        )
    })?;
    let (all_or_none, records) = parse_request(&body)?;
    let opts = ctx.write_opts(&headers);
    let mut created: Vec<Option<bool>> = vec![None; records.len()];
    let mut org = sim.lock();
    let mut results = run_all(
        &mut org,
        all_or_none,
        false,
        records.len(),
        |org, i| match upsert_one(org, obj, ext, &records[i], &opts) {
            Ok((id, was_created)) => {
                created[i] = Some(was_created);
                Outcome {
                    id: Some(id.to_string()),
                    result: Ok(()),
                }
            }
            Err(e) => Outcome {
                id: None,
                result: Err(e),
            },
        },
    );
    for (v, c) in results.iter_mut().zip(created) {
        if let (Some(c), true) = (c, v["success"] == json!(true)) {
            v["created"] = json!(c);
        }
    }
    Ok(json_response(StatusCode::OK, &Value::Array(results)))
}

pub(crate) fn upsert_one(
    org: &mut Org,
    obj: &'static Object,
    ext: &'static Field,
    rec: &Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<(SfId, bool)> {
    let one = |code: &str, msg: String| Err(vec![DmlError::new(code, msg)]);
    if rec
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        != Some(obj.name)
    {
        return one(
            "INVALID_TYPE",
            format!("all records must be of type {}", obj.name),
        );
    }
    let Some(value) = rec.get(ext.name).and_then(Value::as_str).map(str::to_owned) else {
        return one("MISSING_ARGUMENT", format!("{} not specified", ext.name));
    };
    let matches: Vec<SfId> = org
        .store
        .candidates(obj.name, ext.name, &value)
        .into_iter()
        .filter(|r| !r.is_deleted() && r.text(ext.name) == Some(value.as_str()))
        .filter_map(|r| r.text("Id").and_then(|i| SfId::parse(i).ok()))
        .collect();
    match matches.as_slice() {
        [] => dml::create(org, obj, rec, opts).map(|id| (id, true)),
        [id] => {
            let mut body = rec.clone();
            body.remove(ext.name);
            dml::update(org, obj, id, &body, opts).map(|()| (id.clone(), false))
        }
        _ => one(
            "DUPLICATE_EXTERNAL_ID",
            format!("Duplicate external id specified: {value}"),
        ),
    }
}
