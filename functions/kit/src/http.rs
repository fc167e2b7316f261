//! API Gateway HTTP API (payload 2.0) events ⇄ the edge's router: every HTTP function
//! (oauth-callback, the outbound-message intake in sf-poller, jing-webhook, admin-api) serves
//! the same router, so every deployment answers every request alike.

use aws_lambda_events::encodings::Body as LambdaBody;
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine;
use tower::ServiceExt;

/// Responses above this are not expected (pages are small, lists paged).
const MAX_RESPONSE: usize = 6 << 20;

/// Answer one HTTP API event with the router.
pub async fn serve(router: &Router, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let request = match into_request(&event) {
        Ok(r) => r,
        Err(msg) => return crate::apigw::text(400, msg),
    };
    let response = match router.clone().oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    from_response(response).await
}

fn into_request(event: &ApiGatewayV2httpRequest) -> Result<Request<Body>, &'static str> {
    let path = event.raw_path.as_deref().unwrap_or("/");
    let uri = match event.raw_query_string.as_deref() {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    };
    let body = crate::apigw::body(event).map_err(|_| "request body is not valid base64")?;
    let mut builder = Request::builder()
        .method(event.request_context.http.method.clone())
        .uri(uri);
    for (name, value) in &event.headers {
        builder = builder.header(name, value);
    }
    // HTTP API moves cookies out of the headers.
    if let Some(cookies) = event.cookies.as_ref().filter(|c| !c.is_empty()) {
        builder = builder.header(header::COOKIE, cookies.join("; "));
    }
    builder
        .body(Body::from(body))
        .map_err(|_| "malformed request")
}

async fn from_response(response: axum::response::Response) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_RESPONSE)
        .await
        .unwrap_or_default();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.headers = parts.headers;
    match String::from_utf8(bytes.to_vec()) {
        Ok(text) => out.body = Some(LambdaBody::Text(text)),
        Err(_) => {
            out.body = Some(LambdaBody::Text(
                base64::engine::general_purpose::STANDARD.encode(&bytes),
            ));
            out.is_base64_encoded = true;
        }
    }
    out
}

/// Run a function that serves HTTP API events with the edge's router until Lambda stops it.
pub async fn run(edge: edge::Edge) -> Result<(), lambda_runtime::Error> {
    use lambda_runtime::{LambdaEvent, service_fn};
    let router = std::sync::Arc::new(edge::router(edge));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
            let router = router.clone();
            async move { Ok::<_, lambda_runtime::Error>(serve(&router, event.payload).await) }
        },
    ))
    .await
}
