//! Connect to Salesforce (OAuth web-server flow with state + PKCE) and disconnect.

use crate::extract::{Params, app_id};
use crate::{AdminError, AdminState};
use app::connect::{ConnectDeps, ConnectError};
use app::settings::Environment;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

fn deps(st: &AdminState) -> Result<ConnectDeps<'_>, AdminError> {
    Ok(ConnectDeps {
        auth: st.sf_auth()?,
        settings: st.settings.as_ref(),
        vault: st.vault.as_ref(),
        cursors: st.cursors.as_ref(),
        clock: st.clock.as_ref(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectRequest {
    /// Move the app to another environment (and possibly another org) while connecting.
    #[serde(default)]
    environment: Option<Environment>,
}

pub(crate) async fn start(
    State(st): State<AdminState>,
    Path(app): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, AdminError> {
    let app = app_id(&app)?;
    // The body is optional: an empty POST connects in the app's current environment.
    let req: ConnectRequest = if raw.iter().all(u8::is_ascii_whitespace) {
        ConnectRequest::default()
    } else {
        serde_json::from_slice(&raw).map_err(|e| AdminError::InvalidInput(e.to_string()))?
    };
    let url = app::connect::start(&deps(&st)?, &app, req.environment).await?;
    Ok(Json(serde_json::json!({ "authorize_url": url })))
}

#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    /// Salesforce sends these when the admin denied access or the request was bad.
    error: Option<String>,
    error_description: Option<String>,
}

/// The browser returns here from Salesforce: finish and go back to the page, or explain.
pub(crate) async fn callback(
    State(st): State<AdminState>,
    Params(q): Params<Callback>,
) -> Response {
    if let Some(err) = q.error {
        let detail = q.error_description.unwrap_or_default();
        return failure_page(
            StatusCode::BAD_REQUEST,
            &AdminError::InvalidInput(format!("Salesforce answered {err}: {detail}")),
        );
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return failure_page(
            StatusCode::BAD_REQUEST,
            &AdminError::InvalidInput("the callback needs code and state".into()),
        );
    };
    let deps = match deps(&st) {
        Ok(d) => d,
        Err(e) => return failure_page(e.status(), &e),
    };
    match app::connect::finish(&deps, &state, &code).await {
        Ok(_) => {
            let app = state.split_once('.').map_or("", |(a, _)| a);
            let target = format!(
                "/?{}",
                serde_urlencoded::to_string([("app", app), ("connected", "1")]).unwrap_or_default()
            );
            Redirect::to(&target).into_response()
        }
        Err(e) => {
            let status = match e {
                ConnectError::BadState => StatusCode::BAD_REQUEST,
                ConnectError::DifferentOrg { .. } | ConnectError::Locked => StatusCode::CONFLICT,
                _ => StatusCode::BAD_GATEWAY,
            };
            failure_page(status, &AdminError::from(e))
        }
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

pub(crate) async fn disconnect(
    State(st): State<AdminState>,
    Path(app): Path<String>,
) -> Result<StatusCode, AdminError> {
    let app = app_id(&app)?;
    app::connect::disconnect(&deps(&st)?, &app).await?;
    tracing::info!(app_id = %app, "Salesforce disconnected.");
    Ok(StatusCode::NO_CONTENT)
}
