//! Bearer-token check of every API call (constant-time comparison).

use crate::{AdminError, Edge};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

/// The shortest admin token a deployment starts with: it guards every app's secrets, so it
/// must not be guessable (the generated ones are 48 characters).
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// Why `token` may not be the admin token, if it may not.
pub fn admin_token_problem(token: &str) -> Option<String> {
    let n = token.trim().chars().count();
    (n < MIN_ADMIN_TOKEN_LEN).then(|| {
        format!(
            "the admin token has {n} characters; use at least {MIN_ADMIN_TOKEN_LEN} random ones (e.g. `openssl rand -hex 24`)"
        )
    })
}

/// Whether `presented` equals the admin token, without leaking where they differ. (Length may
/// leak; the token is random and of fixed length, so that tells an attacker nothing.)
pub(crate) fn token_matches(state: &Edge, presented: &str) -> bool {
    let expected = state.admin_token.expose_secret().as_bytes();
    !expected.is_empty() && bool::from(expected.ct_eq(presented.as_bytes()))
}

pub(crate) async fn require_token(
    State(state): State<Edge>,
    req: Request,
    next: Next,
) -> Result<Response, AdminError> {
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AdminError::Unauthorized)?;
    if !token_matches(&state, presented.trim()) {
        return Err(AdminError::Unauthorized);
    }
    Ok(next.run(req).await)
}
