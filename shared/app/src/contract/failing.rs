//! Ports that fail on purpose, for the suites that prove nothing is lost when a step fails.

use crate::fakes::{FixedClock, MemQueue};
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, Change, RecordRef};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

/// An in-memory queue whose sends can be made to fail: all of them, or only the n-th.
pub struct FailingQueue {
    inner: MemQueue,
    fail: AtomicBool,
    sends: AtomicU32,
    fail_send_number: AtomicU32,
}

impl Default for FailingQueue {
    fn default() -> Self {
        Self::on(MemQueue::new(Arc::new(FixedClock::default()), 5))
    }
}

impl FailingQueue {
    pub fn on(inner: MemQueue) -> Self {
        Self {
            inner,
            fail: AtomicBool::new(false),
            sends: AtomicU32::new(0),
            fail_send_number: AtomicU32::new(0),
        }
    }

    pub fn fail_sends(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }

    /// Fail only the `n`-th send from now on (1-based; 0 = none).
    pub fn fail_send_number(&self, n: u32) {
        self.sends.store(0, Ordering::SeqCst);
        self.fail_send_number.store(n, Ordering::SeqCst);
    }

    pub fn inner(&self) -> &MemQueue {
        &self.inner
    }
}

#[async_trait]
impl ChangeQueue for FailingQueue {
    async fn send(&self, changes: &[Change]) -> StoreResult<()> {
        let number = self.sends.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail.load(Ordering::SeqCst)
            || number == self.fail_send_number.load(Ordering::SeqCst)
        {
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
    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> StoreResult<()> {
        self.inner.dead_letter(delivery, reason).await
    }
    async fn redrive(&self, ids: &[String]) -> StoreResult<u64> {
        self.inner.redrive(ids).await
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
