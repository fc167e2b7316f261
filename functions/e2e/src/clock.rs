//! A wall clock that tests can move forward (the next quota day).

use app::ports::Clock;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Default)]
pub struct ShiftClock {
    offset: Mutex<Duration>,
}

impl ShiftClock {
    pub fn shift(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
}

impl Clock for ShiftClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}
