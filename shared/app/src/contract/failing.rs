//! Ports that fail on purpose, for the suites that prove nothing is lost when a step fails.

use crate::fakes::{FixedClock, MemQueue};
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, Change, RecordRef};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// An in-memory queue whose sends can be made to fail.
pub struct FailingQueue {
    inner: MemQueue,
    fail: AtomicBool,
}

impl Default for FailingQueue {
    fn default() -> Self {
        Self {
            inner: MemQueue::new(Arc::new(FixedClock::default()), 5),
            fail: AtomicBool::new(false),
        }
    }
}

impl FailingQueue {
    pub fn fail_sends(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }
}

#[async_trait]
impl ChangeQueue for FailingQueue {
    async fn send(&self, changes: &[Change]) -> StoreResult<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "the queue is down (injected)".into(),
            ));
        }
        self.inner.send(changes).await
    }
    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        self.inner.receive(max, visibility).await
    }
    async fn ack(&self, receipts: &[String]) -> StoreResult<()> {
        self.inner.ack(receipts).await
    }
    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()> {
        self.inner.nack(receipt, delay).await
    }
    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        self.inner.dead_letters(max).await
    }
    async fn depth(&self) -> StoreResult<u64> {
        self.inner.depth().await
    }
}

/// A parked store whose removals always fail (everything else is the wrapped store's).
pub struct FailingRemove(pub Arc<dyn ParkedStore>);

#[async_trait]
impl ParkedStore for FailingRemove {
    async fn park(&self, change: &Change) -> StoreResult<()> {
        self.0.park(change).await
    }
    async fn peek(&self, app: &AppId, max: usize) -> StoreResult<Vec<ParkedEntry>> {
        self.0.peek(app, max).await
    }
    async fn remove(&self, _app: &AppId, _entries: &[ParkedEntry]) -> StoreResult<u64> {
        Err(StoreError::Unavailable(
            "the parked store is down (injected)".into(),
        ))
    }
    async fn count(&self, app: &AppId) -> StoreResult<u64> {
        self.0.count(app).await
    }
    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool> {
        self.0.contains(app, record).await
    }
}
