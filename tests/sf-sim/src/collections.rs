//! sObject Collections (§5.1): ≤ 200 records, one API call, HTTP 200 with per-record SaveResults
//! (`statusCode` errors, no `id` on failed creates), allOrNone rollback.

use crate::dml::{self, DmlResult, WriteOpts};
use crate::errors::{ApiError, ApiResult, DmlError, json_response};
use crate::gate::Ctx;
use crate::records::{field_list, object_from_name, render};
use crate::schema::{self, Object};
use crate::state::{Org, Shared};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use domain::ids::SfId;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const MAX_RECORDS: usize = 200;

const ROLLED_BACK: &str = "Record rolled back because not all records were valid and the request was using AllOrNone header";

/// One record's outcome before rendering.
pub(crate) struct Outcome {
    pub(crate) id: Option<String>,
    pub(crate) result: DmlResult<()>,
}

fn too_many() -> ApiError {
    ApiError::bad_request(
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )
}

pub(crate) fn parse_request(body: &Bytes) -> Result<(bool, Vec<Map<String, Value>>), ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::json_parse(format!("Unexpected character: {e}")))?;
    let all_or_none = match v.get("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::json_parse(format!(
                "Cannot deserialize instance of boolean from {other}"
            )));
        }
    };
    let records = v.get("records").and_then(Value::as_array).ok_or_else(|| {
        ApiError::bad_request("INVALID_FIELD", "Json Deserialization failed on token 'null' and has left off in the middle of parsing a row. Will go to end of row to begin parsing the next row")
    })?;
    if records.len() > MAX_RECORDS {
        return Err(too_many());
    }
    let records = records
        .iter()
        .map(|r| {
            r.as_object().cloned().ok_or_else(|| {
                ApiError::json_parse("Can not deserialize SObject out of VALUE token")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((all_or_none, records))
}

fn record_type(rec: &Map<String, Value>) -> Result<&'static Object, ApiError> {
    let name = rec
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("INVALID_TYPE", "No SObject Type defined in JSON"))?;
    object_from_name(name)
}

/// Run every record, then undo all of them if one failed under allOrNone.
/// `creates`: rolled-back creates lose their id (the row never existed).
pub(crate) fn run_all(
    org: &mut Org,
    all_or_none: bool,
    creates: bool,
    n: usize,
    mut each: impl FnMut(&mut Org, usize) -> Outcome,
) -> Vec<Value> {
    let savepoint = all_or_none.then(|| (org.store.savepoint(), org.outbound.mark()));
    let outcomes: Vec<Outcome> = (0..n).map(|i| each(org, i)).collect();
    let failed = outcomes.iter().any(|o| o.result.is_err());
    match savepoint {
        Some((sp, mark)) if failed => {
            org.store.rollback(sp);
            org.outbound.rollback(mark);
        }
        Some((sp, _)) => org.store.release(sp),
        None => {}
    }
    let rolled_back = all_or_none && failed;
    outcomes
        .into_iter()
        .map(|mut o| {
            if rolled_back && creates {
                o.id = None;
            }
            render_outcome(o, rolled_back)
        })
        .collect()
}

fn render_outcome(o: Outcome, rolled_back: bool) -> Value {
    let errors = match (&o.result, rolled_back) {
        (Err(errs), _) => errs.clone(),
        (Ok(()), true) => vec![DmlError::new(
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            ROLLED_BACK,
        )],
        (Ok(()), false) => vec![],
    };
    let mut v = json!({"success": errors.is_empty(), "errors": errors.iter().map(DmlError::save_result_json).collect::<Vec<_>>()});
    if let Some(id) = o.id {
        v["id"] = json!(id);
    }
    v
}

/// `POST /composite/sobjects`
pub async fn create(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (all_or_none, records) = parse_request(&body)?;
    let types = records
        .iter()
        .map(record_type)
        .collect::<Result<Vec<_>, _>>()?;
    let opts = ctx.write_opts(&headers);
    let mut org = sim.lock();
    let results = run_all(&mut org, all_or_none, true, records.len(), |org, i| {
        if records[i].keys().any(|k| k.eq_ignore_ascii_case("id")) {
            let e = DmlError::new("INVALID_FIELD", "cannot specify Id in an insert call")
                .with_fields(&["Id"]);
            return Outcome {
                id: None,
                result: Err(vec![e]),
            };
        }
        match dml::create(org, types[i], &records[i], &opts) {
            Ok(id) => Outcome {
                id: Some(id.to_string()),
                result: Ok(()),
            },
            Err(e) => Outcome {
                id: None,
                result: Err(e),
            },
        }
    });
    Ok(json_response(StatusCode::OK, &Value::Array(results)))
}

/// `PATCH /composite/sobjects`
pub async fn update(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (all_or_none, records) = parse_request(&body)?;
    let types = records
        .iter()
        .map(record_type)
        .collect::<Result<Vec<_>, _>>()?;
    let opts = ctx.write_opts(&headers);
    let mut org = sim.lock();
    let results = run_all(&mut org, all_or_none, false, records.len(), |org, i| {
        let mut rec = records[i].clone();
        let raw_id = rec.remove("id").or_else(|| rec.remove("Id"));
        let raw = raw_id.as_ref().and_then(Value::as_str).map(str::to_owned);
        let result = update_one(org, types[i], raw.as_deref(), &rec, &opts);
        let id = raw
            .and_then(|r| SfId::parse(&r).ok())
            .map(|i| i.to_string());
        Outcome { id, result }
    });
    Ok(json_response(StatusCode::OK, &Value::Array(results)))
}

pub(crate) fn update_one(
    org: &mut Org,
    obj: &'static Object,
    raw: Option<&str>,
    rec: &Map<String, Value>,
    opts: &WriteOpts,
) -> DmlResult<()> {
    let raw = raw.ok_or_else(|| {
        vec![DmlError::new(
            "MISSING_ARGUMENT",
            "Id not specified in an update call",
        )]
    })?;
    let id = parse_record_id(obj, raw)?;
    dml::update(org, obj, &id, rec, opts)
}

pub(crate) fn parse_record_id(obj: &Object, raw: &str) -> DmlResult<SfId> {
    let bad = || {
        vec![
            DmlError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {raw}", obj.label),
            )
            .with_fields(&["Id"]),
        ]
    };
    let id = SfId::parse(raw).map_err(|_| bad())?;
    if id.key_prefix() != obj.prefix {
        return Err(bad());
    }
    Ok(id)
}

fn id_list(q: &HashMap<String, String>) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = q
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "REQUIRED_FIELD_MISSING",
            "At least 1 Id is required.",
        ));
    }
    if ids.len() > MAX_RECORDS {
        return Err(too_many());
    }
    Ok(ids)
}

/// `DELETE /composite/sobjects?ids=…&allOrNone=`
pub async fn delete(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let ids = id_list(&q)?;
    let all_or_none = q
        .get("allOrNone")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let opts = ctx.write_opts(&headers);
    let mut org = sim.lock();
    let results = run_all(&mut org, all_or_none, false, ids.len(), |org, i| {
        let raw = &ids[i];
        let result = match SfId::parse(raw)
            .ok()
            .and_then(|id| schema::object_by_prefix(id.key_prefix()).map(|o| (o, id)))
        {
            Some((obj, id)) => dml::delete(org, obj, &id, &opts),
            None => Err(vec![DmlError::new(
                "MALFORMED_ID",
                format!("malformed id {raw}"),
            )]),
        };
        let id = SfId::parse(raw)
            .map(|i| i.to_string())
            .unwrap_or_else(|_| raw.clone());
        Outcome {
            id: Some(id),
            result,
        }
    });
    Ok(json_response(StatusCode::OK, &Value::Array(results)))
}

/// `GET /composite/sobjects/{Type}?ids=…&fields=…` — records in order, `null` for missing ones.
pub async fn retrieve(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let obj = crate::records::object_from_url(&ty)?;
    let ids = id_list(&q)?;
    let raw_fields = q.get("fields").ok_or_else(|| {
        ApiError::bad_request(
            "REQUIRED_FIELD_MISSING",
            "The 'fields' parameter is required.",
        )
    })?;
    let fields = field_list(obj, raw_fields)?;
    let org = sim.lock();
    let out: Vec<Value> = ids
        .iter()
        .map(|raw| {
            SfId::parse(raw)
                .ok()
                .and_then(|id| org.store.get(obj.name, &id))
                .filter(|r| !r.is_deleted())
                .map_or(Value::Null, |r| render(r, obj, &ctx.version, Some(&fields)))
        })
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(out)))
}
