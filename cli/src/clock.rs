//! The wall clock, shiftable: the demo jumps to "tomorrow" to show the daily quota reset.

use app::ports::Clock;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Default)]
pub struct ShiftableClock {
    shift: Mutex<Duration>,
}

impl ShiftableClock {
    pub fn shift(&self, by: Duration) {
        *self.shift.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
}

impl Clock for ShiftableClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.shift.lock().unwrap_or_else(|p| p.into_inner())
    }
}
