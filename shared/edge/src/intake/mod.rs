//! What the outside pushes to the connector, answered the same in every deployment: the
//! browser's return from Salesforce's login (OAuth callback), Salesforce outbound messages and
//! JING webhooks. Each is authenticated by what only the registered sender knows (the single-use
//! `state`, the outbound URL token plus the org, the webhook URL token plus its signature), and
//! an unknown app and wrong credentials get the same answer.

pub(crate) mod callback;
pub(crate) mod outbound;
pub mod settings_cache;
pub(crate) mod webhook;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Envelopes and webhook bodies larger than this are refused unread (a real one is far below).
pub(crate) const MAX_BODY: usize = 1 << 20;

pub(crate) fn text(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}
