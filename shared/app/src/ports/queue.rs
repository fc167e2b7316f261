use super::StoreResult;
use async_trait::async_trait;
use domain::Change;
use std::time::Duration;

/// A message taken from the queue; invisible to others until acked, nacked or timed out.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Opaque handle for ack/nack (SQS receipt handle, SQLite row + lease token).
    pub receipt: String,
    pub change: Change,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
    /// When it was first received, when the queue knows (it dates a dead letter's first try).
    pub first_try: Option<time::OffsetDateTime>,
}

/// A message that could not be processed: it failed for a day of retries, or it does not
/// decode. Kept (body verbatim) until an admin redrives it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub id: String,
    /// The raw body, kept verbatim so nothing is lost even when it does not decode.
    pub body: String,
    pub receive_count: u32,
    /// Why, in words without record values (when the queue was told).
    pub reason: Option<String>,
    /// Its first and last delivery attempts, when the queue knows them.
    pub first_try: Option<time::OffsetDateTime>,
    pub last_try: Option<time::OffsetDateTime>,
}

/// A change to queue once per delivery key: the key is claimed until `expires_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedChange {
    pub key: String,
    pub expires_at: time::OffsetDateTime,
    pub change: Change,
}

/// The durable changes queue: at-least-once delivery with visibility timeout and a dead-letter
/// list. Implementations: in-memory fake, SQLite (survives a crash), SQS (+ DLQ redrive).
#[async_trait]
pub trait ChangeQueue: Send + Sync {
    /// Enqueue durably: when this returns Ok, a crash loses nothing.
    async fn send(&self, changes: &[Change]) -> StoreResult<()>;
    /// Claim each key and queue the changes whose keys were free, in one transaction, for a
    /// queue kept in the same store as the idempotency claims (serve's SQLite): a crash then
    /// never leaves a claim without its change. `None`: this queue cannot; the caller claims,
    /// sends, and gives the claims back if the send fails. `Some(Ok)`: per item, queued or not.
    async fn send_claimed(
        &self,
        _items: &[KeyedChange],
        _now: time::OffsetDateTime,
    ) -> Option<StoreResult<Vec<bool>>> {
        None
    }
    /// Take up to `max` visible messages, hiding them for `visibility`.
    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>>;
    /// Done: remove for good.
    async fn ack(&self, receipts: &[String]) -> StoreResult<()>;
    /// Not done: make visible again after `delay` (0 = now).
    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()>;
    /// Messages moved to the dead-letter list, oldest first.
    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>>;
    /// Make a taken message a dead letter now, saying why (a stale receipt changes nothing).
    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> StoreResult<()>;
    /// Put dead letters (by id) back on the queue, their deliveries counted afresh; unknown
    /// ids are skipped. Returns how many went back.
    async fn redrive(&self, ids: &[String]) -> StoreResult<u64>;
    /// Approximate number of messages waiting (visible + in flight).
    async fn depth(&self) -> StoreResult<u64>;
}
