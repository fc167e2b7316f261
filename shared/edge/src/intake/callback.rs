//! `GET /oauth/callback`: the browser comes back from Salesforce's login page. Protected by the
//! single-use `state` (not the admin token): finish the authorization, run what follows a
//! connect, and go back to the status page — or explain, in both languages.

use crate::admin::extract::Params;
use crate::{AdminError, Edge};
use app::connect::ConnectError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    /// Salesforce sends these when the admin denied access or the request was bad.
    error: Option<String>,
    error_description: Option<String>,
}

pub(crate) async fn callback(State(st): State<Edge>, Params(q): Params<Callback>) -> Response {
    if let Some(err) = q.error {
        let detail = q.error_description.unwrap_or_default();
        let e = AdminError::InvalidInput(format!("Salesforce answered {err}: {detail}"));
        return failure_page(StatusCode::BAD_REQUEST, &e);
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        let e = AdminError::InvalidInput("the callback needs code and state".into());
        return failure_page(StatusCode::BAD_REQUEST, &e);
    };
    let auth = st.connections.auth();
    match app::connect::finish(&st.connect_deps(auth.as_ref()), &state, &code).await {
        Ok(account) => {
            // The org and the integration user the intake checks pushes against changed.
            st.intake_settings.clear();
            let app = state.split_once('.').map_or("", |(a, _)| a);
            if let Ok(app_id) = domain::AppId::parse(app) {
                crate::jobs::after_connect(&st, &app_id).await;
            }
            tracing::info!(app_id = app, org = %account.org_id, "Authorization finished.");
            let query = [("app", app), ("connected", "1")];
            let target = format!(
                "/?{}",
                serde_urlencoded::to_string(query).unwrap_or_default()
            );
            Redirect::to(&target).into_response()
        }
        Err(e) => {
            let status = status_of(&e);
            tracing::warn!(status = status.as_u16(), error = %e, "Authorization refused.");
            failure_page(status, &AdminError::from(e))
        }
    }
}

/// One status per situation: a state we never issued (or an unknown app) 400, another org or
/// a running initialization 409, Salesforce failing 502, our stores failing 503.
fn status_of(e: &ConnectError) -> StatusCode {
    match e {
        ConnectError::BadState | ConnectError::UnknownApp(_) => StatusCode::BAD_REQUEST,
        ConnectError::DifferentOrg { .. } | ConnectError::Locked => StatusCode::CONFLICT,
        ConnectError::Remote(_) => StatusCode::BAD_GATEWAY,
        ConnectError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A small HTML page in both languages: the callback is a browser navigation, not an XHR.
fn failure_page(status: StatusCode, e: &AdminError) -> Response {
    let b = e.body();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!doctype html><html lang=\"zh\"><meta charset=\"utf-8\"><title>授权失败 / Authorization failed</title>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>授权失败 / Authorization failed</h1><p id=\"code\">{}</p>\
         <p>{}<br>{}</p><p><b>解决方法：</b>{}<br><b>Fix:</b> {}</p><p><small>{}</small></p>\
         <p><a href=\"/\">返回状态页 / Back to the status page</a></p></body></html>",
        esc(&b.code),
        esc(&b.cause_zh),
        esc(&b.cause_en),
        esc(&b.fix_zh),
        esc(&b.fix_en),
        esc(&b.message),
    );
    (status, Html(html)).into_response()
}
