//! The admin API (JSON over HTTP) and the embedded status page.
//!
//! [`router`] builds an axum `Router` over the ports in [`AdminState`]. Handlers only translate
//! HTTP ⇄ use-case calls (`app::*`); where no use case exists yet (saving rules and mappings,
//! the status overview, retry), a thin function over the ports lives in this crate and says so.
//!
//! Every `/api` route needs `Authorization: Bearer <admin token>` except the OAuth callback
//! (protected by the single-use `state`). The page at `/` loads without the token and reads it
//! from the URL fragment `#token=...` that [`page_url`] prints.

mod actions;
mod apps;
mod auth;
mod config;
mod connect;
mod error;
mod error_from;
mod extract;
mod mapping_save;
mod members;
mod overview;
mod page;
mod retry;
mod state;
mod status;

pub use error::{AdminError, ErrorBody};
pub use mapping_save::{MappingSaved, save_mapping, side_fields};
pub use overview::{Counts, Overview, PauseView, overview};
pub use state::AdminState;

use axum::Router;
use axum::routing::{get, post, put};
use secrecy::{ExposeSecret, SecretString};

/// Every route of the API (method, path) — the OpenAPI document must list each path.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/apps"),
    ("POST", "/api/apps"),
    ("GET", "/api/apps/{app}"),
    ("PATCH", "/api/apps/{app}"),
    ("DELETE", "/api/apps/{app}"),
    ("POST", "/api/apps/{app}/connect"),
    ("DELETE", "/api/apps/{app}/connection"),
    ("GET", "/api/oauth/callback"),
    ("GET", "/api/apps/{app}/init"),
    ("POST", "/api/apps/{app}/init"),
    ("GET", "/api/apps/{app}/objects/{object}/rules/{direction}"),
    ("PUT", "/api/apps/{app}/objects/{object}/rules/{direction}"),
    ("GET", "/api/apps/{app}/objects/{object}/mapping"),
    ("PUT", "/api/apps/{app}/objects/{object}/mapping"),
    ("PUT", "/api/apps/{app}/allocation"),
    ("GET", "/api/apps/{app}/members"),
    ("POST", "/api/apps/{app}/members/{user}/bind"),
    ("POST", "/api/apps/{app}/members/{user}/rebind"),
    ("POST", "/api/apps/{app}/members/{user}/create"),
    ("GET", "/api/apps/{app}/status"),
    ("GET", "/api/apps/{app}/synced"),
    ("GET", "/api/apps/{app}/failures"),
    ("GET", "/api/apps/{app}/failures/{object}/{record}"),
    ("GET", "/api/apps/{app}/errors/grouped"),
    ("POST", "/api/apps/{app}/retry"),
    ("POST", "/api/apps/{app}/errors/retry"),
    ("GET", "/api/apps/{app}/conflicts"),
    ("POST", "/api/apps/{app}/resume"),
];

/// The admin API and the status page.
pub fn router(state: AdminState) -> Router {
    let api = Router::new()
        .route("/apps", get(apps::list).post(apps::create))
        .route(
            "/apps/{app}",
            get(apps::get_one).patch(apps::patch).delete(apps::delete),
        )
        .route("/apps/{app}/connect", post(connect::start))
        .route(
            "/apps/{app}/connection",
            axum::routing::delete(connect::disconnect),
        )
        .route(
            "/apps/{app}/init",
            get(config::init_progress).post(config::init_start),
        )
        .route(
            "/apps/{app}/objects/{object}/rules/{direction}",
            get(config::get_rules).put(config::put_rules),
        )
        .route(
            "/apps/{app}/objects/{object}/mapping",
            get(config::get_mapping).put(config::put_mapping),
        )
        .route("/apps/{app}/allocation", put(config::put_allocation))
        .route("/apps/{app}/members", get(members::list))
        .route("/apps/{app}/members/{user}/bind", post(members::bind))
        .route("/apps/{app}/members/{user}/rebind", post(members::rebind))
        .route("/apps/{app}/members/{user}/create", post(members::create))
        .route("/apps/{app}/status", get(status::overview))
        .route("/apps/{app}/synced", get(status::synced))
        .route("/apps/{app}/failures", get(status::failures))
        .route(
            "/apps/{app}/failures/{object}/{record}",
            get(status::failure_detail),
        )
        .route("/apps/{app}/errors/grouped", get(status::grouped))
        .route("/apps/{app}/retry", post(retry::retry))
        .route("/apps/{app}/errors/retry", post(retry::retry_root_cause))
        .route("/apps/{app}/conflicts", get(actions::conflicts))
        .route("/apps/{app}/resume", post(actions::resume))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        // The browser comes back from Salesforce here without our token: `state` protects it.
        .route("/oauth/callback", get(connect::callback))
        .fallback(error::not_found);
    Router::new()
        .nest("/api", api)
        .merge(page::routes())
        .with_state(state)
}

/// The page URL to print on start: the token travels in the fragment, which browsers never
/// send to the server or put in logs of intermediaries.
pub fn page_url(base: &str, token: &SecretString) -> String {
    format!(
        "{}/#token={}",
        base.trim_end_matches('/'),
        token.expose_secret()
    )
}

/// Serve the admin API and the page on `listener` until the task is dropped, after printing
/// the page link (with the token in its fragment) to standard output — never to the logs.
pub async fn serve(listener: tokio::net::TcpListener, state: AdminState) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let url = page_url(&format!("http://{addr}"), &state.admin_token);
    println!("Status page: {url}");
    tracing::info!(%addr, "Admin API listening.");
    axum::serve(listener, router(state)).await
}
