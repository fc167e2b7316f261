//! A tiny stand-in for API Gateway HTTP API on 127.0.0.1: matches the request against the
//! template's route keys, builds the payload-2.0 event (from the fixture) and invokes the
//! function's handler in-process, then turns its response back into HTTP. The simulators'
//! outbound messages, webhooks and OAuth redirects reach the handlers through it.

use crate::events::{HttpCall, http_event};
use aws_lambda_events::encodings::Body as LambdaBody;
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type Handler = Arc<
    dyn Fn(
            ApiGatewayV2httpRequest,
        ) -> Pin<Box<dyn Future<Output = ApiGatewayV2httpResponse> + Send>>
        + Send
        + Sync,
>;

/// Route key (`POST /sf/outbound/{app}`) → the function serving it.
#[derive(Clone, Default)]
pub struct Routes(pub Vec<(String, Handler)>);

impl Routes {
    pub fn add(&mut self, route_key: &str, handler: Handler) {
        self.0.push((route_key.to_owned(), handler));
    }
}

/// Path parameters when `path` matches the route's template.
fn matches(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => params.push((name.to_owned(), (*ps).to_owned())),
            None if ts == ps => {}
            None => return None,
        }
    }
    Some(params)
}

async fn dispatch(routes: Arc<Routes>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 4 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let found = routes
        .0
        .iter()
        .find_map(|(key, handler)| {
            let (method, template) = key.split_once(' ')?;
            (Method::from_bytes(method.as_bytes()).ok()? == parts.method)
                .then(|| matches(template, &path))
                .flatten()
                .map(|params| (key.clone(), params, handler.clone()))
        })
        // HTTP API's `$default` route takes what no other route matches.
        .or_else(|| {
            let (key, handler) = routes.0.iter().find(|(k, _)| k == "$default")?;
            Some((key.clone(), Vec::new(), handler.clone()))
        });
    let Some((route_key, path_params, handler)) = found else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("{\"message\":\"Not Found\"}"))
            .unwrap_or_default();
    };
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let event = http_event(&HttpCall {
        route_key: &route_key,
        method: parts.method.as_str(),
        raw_path: &path,
        path_params,
        raw_query: query_of(&parts.uri),
        headers,
        body: &body,
    });
    into_http(handler(event).await)
}

fn query_of(uri: &Uri) -> &str {
    uri.query().unwrap_or_default()
}

fn into_http(r: ApiGatewayV2httpResponse) -> Response {
    let mut builder = Response::builder().status(u16::try_from(r.status_code).unwrap_or(500));
    for (k, v) in &r.headers {
        builder = builder.header(k, v);
    }
    let body = match r.body {
        Some(LambdaBody::Text(t)) => Body::from(t),
        Some(LambdaBody::Binary(b)) => Body::from(b),
        _ => Body::empty(),
    };
    builder.body(body).unwrap_or_default()
}

/// Serve `routes` on an already bound listener (its URL is known before the handlers exist).
pub fn serve(listener: tokio::net::TcpListener, routes: Routes) {
    let routes = Arc::new(routes);
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let routes = routes.clone();
        async move { dispatch(routes, req).await }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}
