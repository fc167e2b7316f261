//! `GET /healthz`: 200 while the deployment can do its work, 503 when it cannot. On one machine
//! that means the work loop is alive and turning (it beats every turn); a Lambda deployment has
//! no loop, so answering is being healthy.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A loop turn longer than this (a batch, a poll, an initialization chunk) means it is stuck.
pub const STUCK_AFTER: Duration = Duration::from_secs(300);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The work loop's heartbeat.
#[derive(Debug, Default)]
pub struct Health {
    has_loop: AtomicBool,
    stopped: AtomicBool,
    last_beat_ms: AtomicU64,
}

impl Health {
    /// The loop turned (call once per turn; the first call says there is a loop).
    pub fn beat(&self) {
        self.last_beat_ms.store(now_ms(), Ordering::Relaxed);
        self.has_loop.store(true, Ordering::Relaxed);
    }

    /// The loop ended (stopped on request, or died).
    pub fn stopped(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// `None` when healthy, else why not.
    pub fn problem(&self) -> Option<String> {
        if !self.has_loop.load(Ordering::Relaxed) {
            return None;
        }
        if self.stopped.load(Ordering::Relaxed) {
            return Some("the work loop has stopped".into());
        }
        let age = now_ms().saturating_sub(self.last_beat_ms.load(Ordering::Relaxed));
        (age > u64::try_from(STUCK_AFTER.as_millis()).unwrap_or(u64::MAX))
            .then(|| format!("the work loop has not turned for {} s", age / 1000))
    }
}

pub(crate) async fn healthz(
    State(st): State<crate::Edge>,
) -> (StatusCode, Json<serde_json::Value>) {
    match st.health.problem() {
        None => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Some(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": why })),
        ),
    }
}
