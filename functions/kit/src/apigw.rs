//! API Gateway HTTP API (payload format 2.0) requests and responses.

use aws_lambda_events::encodings::Body;
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use base64::Engine;

/// The request body is not what the payload says it is (bad base64).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request body is not valid base64")]
pub struct BodyError;

/// A path parameter of the matched route (`{app}`).
pub fn path_param<'a>(req: &'a ApiGatewayV2httpRequest, name: &str) -> Option<&'a str> {
    req.path_parameters.get(name).map(String::as_str)
}

/// First value of a query parameter.
pub fn query<'a>(req: &'a ApiGatewayV2httpRequest, name: &str) -> Option<&'a str> {
    req.query_string_parameters.first(name)
}

/// A header (HTTP API lower-cases names; lookup is case-insensitive anyway).
pub fn header<'a>(req: &'a ApiGatewayV2httpRequest, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every header as (name, value) text pairs.
pub fn headers(req: &ApiGatewayV2httpRequest) -> Vec<(String, String)> {
    req.headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The raw body bytes (HTTP API base64-encodes bodies it does not treat as text).
pub fn body(req: &ApiGatewayV2httpRequest) -> Result<Vec<u8>, BodyError> {
    let raw = req.body.as_deref().unwrap_or_default();
    if req.is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|_| BodyError)
    } else {
        Ok(raw.as_bytes().to_vec())
    }
}

/// A response with a content type.
pub fn respond(
    status: u16,
    content_type: &str,
    body: impl Into<String>,
) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let mut r = ApiGatewayV2httpResponse::default();
    r.status_code = i64::from(status);
    r.headers = headers;
    r.body = Some(Body::Text(body.into()));
    r
}

pub fn text(status: u16, msg: impl Into<String>) -> ApiGatewayV2httpResponse {
    respond(status, "text/plain; charset=utf-8", msg)
}

pub fn xml(status: u16, body: impl Into<String>) -> ApiGatewayV2httpResponse {
    respond(status, "text/xml; charset=utf-8", body)
}

pub fn json(status: u16, value: &serde_json::Value) -> ApiGatewayV2httpResponse {
    respond(status, "application/json", value.to_string())
}

/// The response body as text (tests, logs of status only).
pub fn body_text(r: &ApiGatewayV2httpResponse) -> &str {
    match &r.body {
        Some(Body::Text(t)) => t,
        _ => "",
    }
}
