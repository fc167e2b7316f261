//! The status page: plain HTML/CSS/JS embedded in the binary (no CDN, no network).

use crate::Edge;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("../../static/index.html");
const APP_JS: &str = include_str!("../../static/app.js");
const I18N_JS: &str = include_str!("../../static/i18n.js");
const MEMBERS_JS: &str = include_str!("../../static/members.js");
const DRY_RUN_JS: &str = include_str!("../../static/dryrun.js");
const STYLE: &str = include_str!("../../static/style.css");
/// Everything comes from this origin; no inline script, no third-party host.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

fn asset(body: &'static str, ty: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, ty),
            (CACHE_CONTROL, "no-cache"),
            (CONTENT_SECURITY_POLICY, CSP),
        ],
        body,
    )
}

pub(crate) fn routes() -> Router<Edge> {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/members.js",
            get(|| async { asset(MEMBERS_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/dryrun.js",
            get(|| async { asset(DRY_RUN_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/i18n.js",
            get(|| async { asset(I18N_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/style.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
}
