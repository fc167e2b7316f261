//! The simulator's clock: real time plus an offset tests can move forward (token expiry without
//! waiting).

use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

#[derive(Debug, Clone, Default)]
pub struct SimClock {
    offset: Arc<Mutex<Duration>>,
    /// Set by [`SimClock::freeze`]: time stands still but for `advance`.
    frozen: Arc<Mutex<Option<OffsetDateTime>>>,
}

impl SimClock {
    pub fn now(&self) -> OffsetDateTime {
        let frozen = *self.frozen.lock().unwrap_or_else(|p| p.into_inner());
        let base = frozen.unwrap_or_else(OffsetDateTime::now_utc);
        base + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// Stop real time (tests that need several records in one millisecond); `advance` still
    /// moves the clock.
    pub fn freeze(&self) {
        *self.frozen.lock().unwrap_or_else(|p| p.into_inner()) = Some(OffsetDateTime::now_utc());
    }
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
    pub fn now_ms(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
    /// A clock function for `jing::JingClient::build`, sharing this offset.
    pub fn as_fn(&self) -> Arc<dyn Fn() -> OffsetDateTime + Send + Sync> {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}
