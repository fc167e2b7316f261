//! The HTTP face of the simulator: one POST route per contract path, each going through the
//! same gate (call counting, faults, throttling, JSON, token check) before its handler.

use crate::config::ThrottleAnswer;
use crate::schema::Refusal;
use crate::state::{Inner, State, envelope, refusal, success};
use crate::{api, api_employees, tokens};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jing::contract::{HEADER_ACCESS_TOKEN, HEADER_APP_ID, Paths, codes};
use serde_json::Value as Json;
use std::sync::Arc;

/// The endpoints, named as the client counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    TokenRefresh,
    ObjectBatchCreate,
    ObjectBatchUpdate,
    ObjectGet,
    ObjectList,
    ObjectInvalidate,
    ObjectFields,
    EmployeeQuery,
    EmployeeList,
    EmployeeCreate,
}

impl Endpoint {
    pub const ALL: [Endpoint; 11] = [
        Self::Token,
        Self::TokenRefresh,
        Self::ObjectBatchCreate,
        Self::ObjectBatchUpdate,
        Self::ObjectGet,
        Self::ObjectList,
        Self::ObjectInvalidate,
        Self::ObjectFields,
        Self::EmployeeQuery,
        Self::EmployeeList,
        Self::EmployeeCreate,
    ];

    pub fn kind(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::TokenRefresh => "token_refresh",
            Self::ObjectBatchCreate => "object_batch_create",
            Self::ObjectBatchUpdate => "object_batch_update",
            Self::ObjectGet => "object_get",
            Self::ObjectList => "object_list",
            Self::ObjectInvalidate => "object_invalidate",
            Self::ObjectFields => "object_fields",
            Self::EmployeeQuery => "employee_query",
            Self::EmployeeList => "employee_list",
            Self::EmployeeCreate => "employee_create",
        }
    }

    fn path(self, p: &Paths) -> &str {
        match self {
            Self::Token => &p.token,
            Self::TokenRefresh => &p.token_refresh,
            Self::ObjectBatchCreate => &p.object_batch_create,
            Self::ObjectBatchUpdate => &p.object_batch_update,
            Self::ObjectGet => &p.object_get,
            Self::ObjectList => &p.object_list,
            Self::ObjectInvalidate => &p.object_invalidate,
            Self::ObjectFields => &p.object_fields,
            Self::EmployeeQuery => &p.employee_query,
            Self::EmployeeList => &p.employee_list,
            Self::EmployeeCreate => &p.employee_create,
        }
    }
}

pub fn router(inner: Arc<Inner>) -> Router {
    let paths = Paths::default();
    let mut router = Router::new();
    for ep in Endpoint::ALL {
        let inner = inner.clone();
        let handler = move |headers: HeaderMap, body: Bytes| {
            let inner = inner.clone();
            async move { dispatch(&inner, ep, &headers, &body).await }
        };
        router = router.route(ep.path(&paths), post(handler));
    }
    router
}

async fn dispatch(inner: &Inner, ep: Endpoint, headers: &HeaderMap, body: &[u8]) -> Response {
    let (slow, fail) = {
        let mut st = inner.lock();
        *st.calls.entry(ep.kind().to_owned()).or_default() += 1;
        take_faults(&mut st)
    };
    if let Some(delay) = slow {
        // Simulated latency of a slow JING, not a synchronisation device.
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = fail {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return (code, "<html><body>Service Unavailable</body></html>").into_response();
    }
    let now_ms = inner.clock.now_ms();
    let mut st = inner.lock();
    if let Some(resp) = throttle(&mut st, now_ms) {
        return resp;
    }
    let Ok(json) = serde_json::from_slice::<Json>(body) else {
        return ok(refusal(
            &Refusal::new(codes::BAD_REQUEST, "body is not valid JSON", None),
            now_ms,
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let needs_token = !matches!(ep, Endpoint::Token | Endpoint::TokenRefresh);
    let app_id = header(HEADER_APP_ID);
    let auth = if needs_token {
        tokens::authorize(&st, app_id, header(HEADER_ACCESS_TOKEN), now_ms)
    } else {
        Ok(())
    };
    if let Err(r) = auth {
        return ok(refusal(&r, now_ms));
    }
    let answer = handle(&mut st, ep, &json, now_ms);
    ok(match answer {
        Ok(data) => success(data, now_ms),
        Err(r) => refusal(&r, now_ms),
    })
}

fn handle(st: &mut State, ep: Endpoint, body: &Json, now_ms: i64) -> Result<Json, Refusal> {
    match ep {
        Endpoint::Token => tokens::get_token(st, body, now_ms),
        Endpoint::TokenRefresh => tokens::refresh(st, body, now_ms),
        Endpoint::ObjectBatchCreate => api::create(st, body, now_ms),
        Endpoint::ObjectBatchUpdate => api::update(st, body, now_ms),
        Endpoint::ObjectGet => api::get(st, body),
        Endpoint::ObjectList => api::list(st, body),
        Endpoint::ObjectInvalidate => api::invalidate(st, body, now_ms),
        Endpoint::ObjectFields => api::fields(st, body),
        Endpoint::EmployeeQuery => api_employees::query(st, body),
        Endpoint::EmployeeList => api_employees::list(st, body),
        Endpoint::EmployeeCreate => api_employees::create(st, body),
    }
}

fn take_faults(st: &mut State) -> (Option<std::time::Duration>, Option<u16>) {
    let f = &mut st.faults;
    let slow = (f.slow_next > 0).then(|| {
        f.slow_next -= 1;
        f.slow_by
    });
    let fail = (f.fail_next > 0).then(|| {
        f.fail_next -= 1;
        f.fail_status
    });
    (slow, fail)
}

/// A fixed one-second window: more than N calls in it get the throttling answer.
fn throttle(st: &mut State, now_ms: i64) -> Option<Response> {
    let limit = st.cfg.throttle_per_sec?;
    let second = now_ms / 1000;
    if st.window.0 != second {
        st.window = (second, 0);
    }
    st.window.1 += 1;
    if st.window.1 <= limit {
        return None;
    }
    let body = envelope(
        codes::THROTTLED,
        "request frequency exceeds the limit",
        Json::Null,
        now_ms,
    );
    Some(match st.cfg.throttle_answer {
        ThrottleAnswer::Code => ok(body),
        ThrottleAnswer::Http429 => {
            (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
        }
    })
}

fn ok(body: Json) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}
