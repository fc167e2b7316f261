//! Single-record sObject endpoints (§4): create 201, read, update 204, delete 204, upsert by
//! external id (201/200/300/404), object info and global describe.

use crate::dml;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::{Ctx, json_object};
use crate::records::{dml_status, field_list, id_from_url, object_from_url, render};
use crate::schema::OBJECTS;
use crate::state::{Org, Shared};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

pub async fn create(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let body = json_object(&body)?;
    let mut org = sim.lock();
    let id = dml::create(&mut org, obj, &body, &ctx.write_opts(&headers))
        .map_err(|e| ApiError::from_dml(dml_status(&e), e))?;
    let mut resp = json_response(
        StatusCode::CREATED,
        &json!({"id": id.as_str(), "success": true, "errors": []}),
    );
    if let Ok(loc) = Org::record_url(&ctx.version, obj.name, id.as_str()).parse() {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

pub async fn read(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, raw_id)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let id = id_from_url(obj, &raw_id)?;
    let fields = q.get("fields").map(|f| field_list(obj, f)).transpose()?;
    let org = sim.lock();
    let row = dml::live_row(&org, obj, &id).map_err(|e| ApiError::from_dml(dml_status(&e), e))?;
    Ok(json_response(
        StatusCode::OK,
        &render(row, obj, &ctx.version, fields.as_deref()),
    ))
}

pub async fn update(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, raw_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let id = id_from_url(obj, &raw_id)?;
    let body = json_object(&body)?;
    if body.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
        return Err(ApiError::bad_request(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: Id. Please check the security settings of this field and verify that it is read/write for your role or profile.",
        ));
    }
    let mut org = sim.lock();
    dml::update(&mut org, obj, &id, &body, &ctx.write_opts(&headers))
        .map_err(|e| ApiError::from_dml(dml_status(&e), e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, raw_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let id = id_from_url(obj, &raw_id)?;
    let mut org = sim.lock();
    dml::delete(&mut org, obj, &id, &ctx.write_opts(&headers))
        .map_err(|e| ApiError::from_dml(dml_status(&e), e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ids of live rows whose external-id field equals `value`.
fn matches_external(
    org: &Org,
    obj: &'static crate::schema::Object,
    field: &'static str,
    value: &str,
) -> Vec<String> {
    org.store
        .candidates(obj.name, field, value)
        .into_iter()
        .filter(|r| !r.is_deleted() && r.text(field) == Some(value))
        .filter_map(|r| r.text("Id").map(str::to_owned))
        .collect()
}

fn external_field(
    obj: &'static crate::schema::Object,
    name: &str,
) -> Result<&'static crate::schema::Field, ApiError> {
    obj.field(name).filter(|f| f.external_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {name}"),
        )
    })
}

fn multiple_choices(version: &str, obj: &str, ids: &[String]) -> Response {
    let urls: Vec<Value> = ids
        .iter()
        .map(|id| json!(Org::record_url(version, obj, id)))
        .collect();
    json_response(StatusCode::MULTIPLE_CHOICES, &Value::Array(urls))
}

/// `PATCH /sobjects/{Type}/{ExtField}/{value}`
pub async fn upsert(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, field, value)): Path<(String, String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let ext = external_field(obj, &field)?;
    let mut body = json_object(&body)?;
    if body.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
        return Err(ApiError::bad_request(
            "INVALID_FIELD",
            "The Id field should not be specified in the sobject data.",
        ));
    }
    let opts = ctx.write_opts(&headers);
    let mut org = sim.lock();
    let found = matches_external(&org, obj, ext.name, &value);
    let dml_err = |e: Vec<crate::errors::DmlError>| ApiError::from_dml(dml_status(&e), e);
    match found.as_slice() {
        [] if q.get("updateOnly").is_some_and(|v| v == "true") => Err(ApiError::not_found()),
        [] => {
            body.insert(ext.name.to_owned(), json!(value));
            let id = dml::create(&mut org, obj, &body, &opts).map_err(dml_err)?;
            Ok(json_response(
                StatusCode::CREATED,
                &json!({"id": id.as_str(), "success": true, "errors": [], "created": true}),
            ))
        }
        [one] => {
            let id = domain::ids::SfId::parse(one).map_err(|_| ApiError::not_found())?;
            dml::update(&mut org, obj, &id, &body, &opts).map_err(dml_err)?;
            Ok(json_response(
                StatusCode::OK,
                &json!({"id": one, "success": true, "errors": [], "created": false}),
            ))
        }
        many => Ok(multiple_choices(&ctx.version, obj.name, many)),
    }
}

/// `GET /sobjects/{Type}/{ExtField}/{value}`
pub async fn read_by_external(
    State(sim): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty, field, value)): Path<(String, String, String, String)>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    let ext = external_field(obj, &field)?;
    let org = sim.lock();
    let found = matches_external(&org, obj, ext.name, &value);
    match found.as_slice() {
        [] => Err(ApiError::not_found()),
        [one] => {
            let id = domain::ids::SfId::parse(one).map_err(|_| ApiError::not_found())?;
            let row =
                dml::live_row(&org, obj, &id).map_err(|e| ApiError::from_dml(dml_status(&e), e))?;
            Ok(json_response(
                StatusCode::OK,
                &render(row, obj, &ctx.version, None),
            ))
        }
        many => Ok(multiple_choices(&ctx.version, obj.name, many)),
    }
}

fn object_summary(obj: &crate::schema::Object, version: &str) -> Value {
    json!({
        "name": obj.name, "label": obj.label, "labelPlural": obj.plural, "keyPrefix": obj.prefix,
        "createable": obj.writable, "updateable": obj.writable, "deletable": obj.writable,
        "queryable": true, "replicateable": true, "retrieveable": true, "searchable": true,
        "custom": false, "layoutable": obj.describable, "triggerable": obj.writable,
        "urls": {
            "sobject": format!("/services/data/{version}/sobjects/{}", obj.name),
            "describe": format!("/services/data/{version}/sobjects/{}/describe", obj.name),
            "rowTemplate": format!("/services/data/{version}/sobjects/{}/{{ID}}", obj.name),
        }
    })
}

/// `GET /sobjects/`
pub async fn describe_global(Extension(ctx): Extension<Ctx>) -> Response {
    let list: Vec<Value> = OBJECTS
        .iter()
        .map(|o| object_summary(o, &ctx.version))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}),
    )
}

/// `GET /sobjects/{Type}`
pub async fn object_info(
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty)): Path<(String, String)>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"objectDescribe": object_summary(obj, &ctx.version), "recentItems": []}),
    ))
}
