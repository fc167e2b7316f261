//! The `admin-api` function: API Gateway HTTP API v2 events ⇄ the admin axum router
//! (`admin::router`), one `oneshot` per request.

pub mod handler;
pub mod state;
