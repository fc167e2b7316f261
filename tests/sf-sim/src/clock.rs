//! The org's clock: wall time plus a test-controlled offset, at Salesforce's second precision.

use std::time::Duration;
use time::OffsetDateTime;

#[derive(Debug, Default, Clone)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    /// Now, truncated to whole seconds (Salesforce audit fields always show `.000`).
    pub fn now(&self) -> OffsetDateTime {
        let t = OffsetDateTime::now_utc() + self.offset;
        t.replace_nanosecond(0).unwrap_or(t)
    }
    /// Now with milliseconds, for `issued_at`.
    pub fn now_precise(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
    pub fn advance(&mut self, by: Duration) {
        self.offset += by;
    }
}
