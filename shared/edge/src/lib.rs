//! The connector's edge, one for every deployment (the Lambda functions are its transports,
//! `jingsf serve` listens and ticks):
//!
//! - [`router`]: the HTTP intake ([`intake`]: OAuth callback, Salesforce outbound messages,
//!   JING webhooks, `/healthz`) and the admin API with the status page, over one [`Edge`];
//! - [`jobs`]: draining queued changes, the scheduled poll, initialization runs, the daily
//!   reset, the digest, member matching;
//! - [`setup`]: what an admin registers in Salesforce and JING, and the checklist.
//!
//! Admin handlers only translate HTTP ⇄ use-case calls (`app::*`). Every `/api` route needs
//! `Authorization: Bearer <admin token>`, checked before anything is read. The page at `/` loads
//! without the token and reads it from the URL fragment `#token=...` that [`page_url`] prints.

mod admin;
mod edge;
pub mod health;
mod intake;
pub mod jobs;
pub mod setup;

pub use admin::auth::{MIN_ADMIN_TOKEN_LEN, admin_token_problem};
pub use admin::error::{AdminError, ErrorBody};
pub use admin::mapping_save::{MappingSaved, save_mapping, side_fields};
pub use admin::overview::{Counts, Overview, PauseView, overview};
pub use edge::{DRY_RUN_BUDGET_GATEWAY, DRY_RUN_BUDGET_SERVE, Edge, EdgeOptions, ORG_PROBE_EVERY};

use admin::{
    actions, apps, auth, breaker, config, connect, dead_letters, dry_run, error, explain,
    external_id, members, page, retry, setup as setup_api, status,
};
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
    ("GET", "/api/apps/{app}/setup"),
    ("POST", "/api/apps/{app}/setup/rotate"),
    ("POST", "/api/apps/{app}/setup/permissions"),
    ("POST", "/api/apps/{app}/connect"),
    ("DELETE", "/api/apps/{app}/connection"),
    ("GET", "/api/oauth/callback"),
    ("GET", "/api/apps/{app}/init"),
    ("POST", "/api/apps/{app}/init"),
    ("GET", "/api/apps/{app}/objects/{object}/rules/{direction}"),
    ("PUT", "/api/apps/{app}/objects/{object}/rules/{direction}"),
    ("GET", "/api/apps/{app}/objects/{object}/mapping"),
    ("PUT", "/api/apps/{app}/objects/{object}/mapping"),
    ("POST", "/api/apps/{app}/objects/{object}/mapping/validate"),
    ("GET", "/api/apps/{app}/objects/{object}/external-id"),
    ("PUT", "/api/apps/{app}/objects/{object}/external-id"),
    ("PUT", "/api/apps/{app}/allocation"),
    ("GET", "/api/apps/{app}/members"),
    ("GET", "/api/apps/{app}/members/employees"),
    ("POST", "/api/apps/{app}/members/sync"),
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
    ("GET", "/api/apps/{app}/explain/{object}/{record}"),
    ("GET", "/api/apps/{app}/dry-run"),
    ("POST", "/api/apps/{app}/dry-run"),
    ("GET", "/api/apps/{app}/conflicts"),
    ("POST", "/api/apps/{app}/conflicts/settle"),
    ("POST", "/api/apps/{app}/resume"),
    ("GET", "/api/apps/{app}/breaker"),
    ("PUT", "/api/apps/{app}/breaker"),
    ("GET", "/api/apps/{app}/held"),
    ("POST", "/api/apps/{app}/discard"),
    ("GET", "/api/dead-letters"),
    ("POST", "/api/dead-letters/redrive"),
    ("GET", "/api/dead-letters/{id}"),
];

/// The intake endpoints (not under `/api`, not behind the admin token).
pub const INTAKE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/oauth/callback"),
    ("POST", "/sf/outbound/{app}/{token}"),
    ("POST", "/jing/webhook/{app}/{token}"),
    ("GET", "/healthz"),
];

/// Every endpoint of a deployment: the intake, the admin API and the status page.
pub fn router(edge: Edge) -> Router {
    let api = Router::new()
        .route("/apps", get(apps::list).post(apps::create))
        .route(
            "/apps/{app}",
            get(apps::get_one).patch(apps::patch).delete(apps::delete),
        )
        .route("/apps/{app}/setup", get(setup_api::get))
        .route(
            "/apps/{app}/setup/rotate",
            post(setup_api::rotate_credentials),
        )
        .route(
            "/apps/{app}/setup/permissions",
            post(setup_api::check_permissions),
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
        .route(
            "/apps/{app}/objects/{object}/mapping/validate",
            post(config::validate_mapping),
        )
        .route(
            "/apps/{app}/objects/{object}/external-id",
            get(external_id::get).put(external_id::put),
        )
        .route("/apps/{app}/allocation", put(config::put_allocation))
        .route("/apps/{app}/members", get(members::list))
        .route("/apps/{app}/members/employees", get(members::employees))
        .route("/apps/{app}/members/sync", post(setup_api::sync_members))
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
        .route(
            "/apps/{app}/explain/{object}/{record}",
            get(explain::explain),
        )
        .route(
            "/apps/{app}/dry-run",
            get(dry_run::last).post(dry_run::dry_run),
        )
        .route("/apps/{app}/conflicts", get(actions::conflicts))
        .route("/apps/{app}/conflicts/settle", post(actions::settle))
        .route("/apps/{app}/resume", post(actions::resume))
        .route(
            "/apps/{app}/breaker",
            get(breaker::get_breaker).put(breaker::put_breaker),
        )
        .route("/apps/{app}/held", get(breaker::list_held))
        .route("/apps/{app}/discard", post(breaker::discard))
        .route("/dead-letters", get(dead_letters::list))
        .route("/dead-letters/redrive", post(dead_letters::redrive))
        .route("/dead-letters/{id}", get(dead_letters::inspect))
        .route_layer(axum::middleware::from_fn_with_state(
            edge.clone(),
            forget_intake_settings,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            edge.clone(),
            auth::require_token,
        ))
        // The browser comes back from Salesforce without our token: `state` protects it.
        .route("/oauth/callback", get(intake::callback::callback))
        .fallback(error::not_found);
    Router::new()
        .nest("/api", api)
        .route("/oauth/callback", get(intake::callback::callback))
        .route(
            "/sf/outbound/{app}/{token}",
            post(intake::outbound::outbound),
        )
        .route(
            "/jing/webhook/{app}/{token}",
            post(intake::webhook::webhook),
        )
        .route("/healthz", get(health::healthz))
        .merge(page::routes())
        .layer(axum::middleware::map_response(nosniff))
        .with_state(edge)
}

/// Any admin call that may change an app (every method but GET) makes the intake read the
/// settings afresh: a change made through the API applies to the next push in this process.
async fn forget_intake_settings(
    axum::extract::State(edge): axum::extract::State<Edge>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let changes = req.method() != axum::http::Method::GET;
    let resp = next.run(req).await;
    if changes {
        edge.intake_settings.clear();
    }
    resp
}

/// Every answer is what its content type says (reflected text is never sniffed as HTML).
async fn nosniff(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    resp
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
