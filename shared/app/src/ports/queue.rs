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
}

/// A message that could not be processed after `max_receives` tries (or could not be decoded).
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub id: String,
    /// The raw body, kept verbatim so nothing is lost even when it does not decode.
    pub body: String,
    pub receive_count: u32,
}

/// The durable changes queue: at-least-once delivery with visibility timeout and a dead-letter
/// list. Implementations: in-memory fake, SQLite (survives a crash), SQS (+ DLQ redrive).
#[async_trait]
pub trait ChangeQueue: Send + Sync {
    /// Enqueue durably: when this returns Ok, a crash loses nothing.
    async fn send(&self, changes: &[Change]) -> StoreResult<()>;
    /// Take up to `max` visible messages, hiding them for `visibility`.
    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>>;
    /// Done: remove for good.
    async fn ack(&self, receipts: &[String]) -> StoreResult<()>;
    /// Not done: make visible again after `delay` (0 = now).
    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()>;
    /// Messages moved to the dead-letter list.
    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>>;
    /// Approximate number of messages waiting (visible + in flight).
    async fn depth(&self) -> StoreResult<u64>;
}
