//! Connect to Salesforce (OAuth web-server flow with state + PKCE) and disconnect. The
//! browser's way back is the intake's OAuth callback (`crate::intake::callback`).

use crate::admin::extract::{app_id, load};
use crate::{AdminError, Edge};
use app::settings::Environment;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectRequest {
    /// Move the app to another environment (and possibly another org) while connecting.
    #[serde(default)]
    environment: Option<Environment>,
}

pub(crate) async fn start(
    State(st): State<Edge>,
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
    let current = load(&st, &app).await?;
    let env = req.environment.as_ref().unwrap_or(&current.environment);
    crate::admin::apps::check_environment(&st, env)?;
    let auth = st.connections.auth();
    let url = app::connect::start(&st.connect_deps(auth.as_ref()), &app, req.environment).await?;
    Ok(Json(serde_json::json!({ "authorize_url": url })))
}

pub(crate) async fn disconnect(
    State(st): State<Edge>,
    Path(app): Path<String>,
) -> Result<StatusCode, AdminError> {
    let app = app_id(&app)?;
    let auth = st.connections.auth();
    app::connect::disconnect(&st.connect_deps(auth.as_ref()), &app).await?;
    st.connections.forget(&app);
    tracing::info!(app_id = %app, "Salesforce disconnected.");
    Ok(StatusCode::NO_CONTENT)
}
