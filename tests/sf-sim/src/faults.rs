//! Fault injection, armed from tests: outages, row locks, latency.

use std::time::Duration;

/// What an injected failure looks like on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 with `[{"errorCode":"SERVER_UNAVAILABLE",…}]`.
    ServiceUnavailable,
    /// 503 with an HTML page from the edge (clients must not assume JSON).
    ServiceUnavailableHtml,
    /// 500 `UNKNOWN_EXCEPTION`.
    InternalError,
}

#[derive(Debug, Default)]
pub struct Faults {
    fail_next: Vec<Fault>,
    locks: u32,
    pub latency: Duration,
}

impl Faults {
    /// The fault for this request, if one is armed.
    pub fn take_failure(&mut self) -> Option<Fault> {
        if self.fail_next.is_empty() {
            None
        } else {
            Some(self.fail_next.remove(0))
        }
    }
    pub fn arm(&mut self, n: u32, fault: Fault) {
        self.fail_next
            .extend(std::iter::repeat_n(fault, n as usize));
    }
    pub fn arm_locks(&mut self, n: u32) {
        self.locks += n;
    }
    /// Whether the next record write hits `UNABLE_TO_LOCK_ROW`.
    pub fn take_lock(&mut self) -> bool {
        if self.locks == 0 {
            return false;
        }
        self.locks -= 1;
        true
    }
    pub fn clear(&mut self) {
        *self = Faults::default();
    }
}
