//! The HTTP surface: routes, layers, fallbacks.

use crate::errors::{ApiError, json_response};
use crate::state::Shared;
use crate::{
    bulk, collections, composite, describe, gate, ingest, oauth, query, replication, rest,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde_json::json;

/// Bodies an ingest upload may carry before the handler refuses them (beyond the 150 MB cap).
const INGEST_BODY_LIMIT: usize = 256 * 1024 * 1024;

/// REST API routes below `/services/data/{v}/`, without the gate (composite re-enters here).
pub fn api_routes() -> Router<Shared> {
    let s = "/services/data/{v}";
    Router::new()
        .route(&format!("{s}/sobjects"), get(rest::describe_global))
        .route(&format!("{s}/sobjects/"), get(rest::describe_global))
        .route(
            &format!("{s}/sobjects/{{ty}}"),
            get(rest::object_info).post(rest::create),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/describe"),
            get(describe::describe),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/updated"),
            get(replication::updated),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/updated/"),
            get(replication::updated),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/deleted"),
            get(replication::deleted),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/deleted/"),
            get(replication::deleted),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/{{id}}"),
            get(rest::read).patch(rest::update).delete(rest::delete),
        )
        .route(
            &format!("{s}/sobjects/{{ty}}/{{field}}/{{value}}"),
            get(rest::read_by_external).patch(rest::upsert),
        )
        .route(&format!("{s}/composite"), post(composite::composite))
        .route(
            &format!("{s}/composite/batch"),
            post(crate::composite_batch::batch),
        )
        .route(
            &format!("{s}/composite/sobjects"),
            post(collections::create)
                .patch(collections::update)
                .delete(collections::delete),
        )
        .route(
            &format!("{s}/composite/sobjects/{{ty}}"),
            get(collections::retrieve),
        )
        .route(
            &format!("{s}/composite/sobjects/{{ty}}/{{field}}"),
            patch(crate::collections_upsert::upsert),
        )
        .route(&format!("{s}/query"), get(query::query))
        .route(&format!("{s}/query/"), get(query::query))
        .route(&format!("{s}/query/{{locator}}"), get(query::query_more))
        .route(&format!("{s}/queryAll"), get(query::query_all))
        .route(&format!("{s}/queryAll/"), get(query::query_all))
        .route(&format!("{s}/queryAll/{{locator}}"), get(query::query_more))
        .route(&format!("{s}/limits"), get(crate::limits_endpoint::limits))
        .route(&format!("{s}/limits/"), get(crate::limits_endpoint::limits))
        .route(&format!("{s}/jobs/query"), post(bulk::create))
        .route(
            &format!("{s}/jobs/query/{{id}}"),
            get(bulk::status).patch(bulk::abort).delete(bulk::delete),
        )
        .route(
            &format!("{s}/jobs/query/{{id}}/results"),
            get(bulk::results),
        )
        .route(&format!("{s}/jobs/ingest"), post(ingest::create))
        .route(&format!("{s}/jobs/ingest/"), post(ingest::create))
        .route(
            &format!("{s}/jobs/ingest/{{id}}"),
            get(ingest::status)
                .patch(ingest::set_state)
                .delete(ingest::delete),
        )
        .route(
            &format!("{s}/jobs/ingest/{{id}}/batches"),
            // The handler judges the size itself (150 MB after base64, Salesforce's own error).
            put(ingest::upload).layer(DefaultBodyLimit::max(INGEST_BODY_LIMIT)),
        )
        .route(
            &format!("{s}/jobs/ingest/{{id}}/{{kind}}"),
            get(crate::ingest_results::results),
        )
        .route(
            &format!("{s}/jobs/ingest/{{id}}/{{kind}}/"),
            get(crate::ingest_results::results),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

pub fn router(sim: Shared) -> Router {
    let api = api_routes().route_layer(from_fn_with_state(sim.clone(), gate::api));
    Router::new()
        .route("/services/data", get(gate::versions))
        .route("/services/data/", get(gate::versions))
        .route("/services/oauth2/authorize", get(oauth::authorize))
        .route("/services/oauth2/token", post(oauth::token))
        .route("/services/oauth2/revoke", post(oauth::revoke))
        .route("/services/oauth2/userinfo", get(oauth::userinfo))
        .route("/id/{org}/{user}", get(oauth::identity))
        .merge(api)
        .merge(crate::control::router())
        .fallback(not_found)
        .layer(from_fn_with_state(sim.clone(), gate::faults))
        .with_state(sim)
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!([{"errorCode": "METHOD_NOT_ALLOWED", "message": format!("HTTP Method '{method}' not allowed.")}]),
    )
}
