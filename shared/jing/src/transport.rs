//! One HTTP exchange with JING and the retry loop around it: pacing, backoff on 5xx, HTTP 429 and
//! the throttling code, and call counting. Token handling lives in `client.rs`.

use crate::contract::{CodeClass, classify, codes};
use crate::envelope::Envelope;
use crate::error::JingError;
use crate::ratelimit::{RateLimiter, RetryPolicy};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Calls made, in total and per kind (`token`, `object_batch_create`, ...); retries count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallStats {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
pub(crate) struct CallCounter(Mutex<CallStats>);

impl CallCounter {
    fn count(&self, kind: &str) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.total += 1;
        *s.by_kind.entry(kind.to_owned()).or_default() += 1;
    }
    pub(crate) fn snapshot(&self) -> CallStats {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// What one attempt produced.
enum Attempt {
    /// A parsed envelope (any code).
    Answer(Envelope<Json>),
    /// Worth retrying: throttled, 5xx, network. `wait` is the server's Retry-After, if any;
    /// `maybe_applied` when JING may have processed the request before it failed (timeout,
    /// 500/502/504), so replaying a create could duplicate records.
    Again {
        error: JingError,
        wait: Option<Duration>,
        maybe_applied: bool,
    },
}

/// Calls that create something: replayed only when JING certainly did not process them
/// (throttled, 503, connection refused). Updates by id, invalidations and reads are idempotent.
const NOT_REPLAY_SAFE: &[&str] = &["object_batch_create", "employee_create"];

pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) app_id: String,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) calls: CallCounter,
}

impl Transport {
    /// POST `body` to `url`, retrying transient failures; returns the envelope of the first
    /// non-transient answer (code 0 or a code for the caller to classify).
    pub(crate) async fn post(
        &self,
        kind: &str,
        url: &str,
        body: &Json,
        token: Option<&SecretString>,
    ) -> Result<Envelope<Json>, JingError> {
        let replay_safe = !NOT_REPLAY_SAFE.contains(&kind);
        let mut retry = 0;
        loop {
            let error = match self.attempt(kind, url, body, token).await {
                Attempt::Answer(env) => return Ok(env),
                Attempt::Again {
                    error,
                    wait,
                    maybe_applied,
                } if retry + 1 < self.retry.max_attempts && (replay_safe || !maybe_applied) => {
                    let delay = wait.unwrap_or_default().max(self.retry.delay(retry));
                    tracing::debug!(kind, retry, ?delay, %error, "JING call failed transiently; backing off.");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                    continue;
                }
                Attempt::Again { error, .. } => error,
            };
            tracing::warn!(
                kind,
                attempts = retry + 1,
                "JING call failed after retries."
            );
            return Err(error);
        }
    }

    async fn attempt(
        &self,
        kind: &str,
        url: &str,
        body: &Json,
        token: Option<&SecretString>,
    ) -> Attempt {
        self.limiter.acquire().await;
        self.calls.count(kind);
        let mut req = self.http.post(url).json(body);
        if let Some(token) = token {
            req = req
                .header(crate::contract::HEADER_APP_ID, &self.app_id)
                .header(crate::contract::HEADER_ACCESS_TOKEN, token.expose_secret());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                // reqwest errors carry the URL but never our headers.
                let maybe_applied = !e.is_connect();
                let error = JingError::unavailable(format!("network: {}", e.without_url()));
                return again(error, None, maybe_applied);
            }
        };
        let status = resp.status();
        let wait = retry_after(&resp);
        if status.as_u16() == 429 {
            return again(JingError::throttled("HTTP 429"), wait, false);
        }
        if status.is_server_error() {
            let error = JingError::unavailable(format!("HTTP {}", status.as_u16()));
            return again(error, wait, status.as_u16() != 503);
        }
        self.read_envelope(kind, status, resp).await
    }

    async fn read_envelope(
        &self,
        kind: &str,
        status: reqwest::StatusCode,
        resp: reqwest::Response,
    ) -> Attempt {
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let error = JingError::unavailable(format!("body: {}", e.without_url()));
                return again(error, None, true);
            }
        };
        let env: Envelope<Json> = match serde_json::from_slice(&bytes) {
            Ok(env) => env,
            Err(e) => {
                let detail = format!(
                    "HTTP {} with a body that is not JING's envelope: {}",
                    status.as_u16(),
                    domain::redact::json_error(&e)
                );
                return Attempt::Answer(protocol(detail));
            }
        };
        tracing::debug!(kind, code = env.code, request_id = %env.request_id, "JING answered.");
        if classify(env.code) == CodeClass::Retry {
            let error = if env.code == codes::THROTTLED {
                JingError::throttled(format!("JING {}: {}", env.code, env.msg))
            } else {
                JingError::unavailable(format!("JING {}: {}", env.code, env.msg))
            };
            // JING answered with an error envelope: it says the request was not carried out.
            return again(error, None, false);
        }
        Attempt::Answer(env)
    }
}

/// Pseudo code for "the body was not an envelope"; never sent by JING (negative).
pub(crate) const PROTOCOL: i64 = -1;

fn again(error: JingError, wait: Option<Duration>, maybe_applied: bool) -> Attempt {
    Attempt::Again {
        error,
        wait,
        maybe_applied,
    }
}

fn protocol(detail: String) -> Envelope<Json> {
    Envelope {
        request_id: String::new(),
        code: PROTOCOL,
        msg: detail,
        data: None,
        timestamp: None,
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let raw = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    // Cap what a server can make us wait inside one call; longer waits are the queue's job.
    raw.trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(30)))
}
