//! The in-memory changes queue: SQS semantics (visibility timeout, receive count, dead letters)
//! driven by an injected clock.

use super::lock;
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, Change};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

struct Message {
    /// Kept as JSON, like every real queue: what cannot be decoded is dead-lettered, not lost.
    body: String,
    visible_at: OffsetDateTime,
    receive_count: u32,
    /// Changes on every receive; a receipt carries it so stale receipts do nothing.
    lease: u64,
    first_try: Option<OffsetDateTime>,
}

#[derive(Default)]
struct QueueState {
    next_id: u64,
    next_lease: u64,
    messages: BTreeMap<u64, Message>,
    dead: Vec<DeadLetter>,
}

#[derive(Clone)]
pub struct MemQueue {
    clock: Arc<dyn Clock>,
    max_receives: u32,
    state: Arc<Mutex<QueueState>>,
}

impl MemQueue {
    /// A message received `max_receives` times is dead-lettered instead of delivered again.
    pub fn new(clock: Arc<dyn Clock>, max_receives: u32) -> Self {
        Self {
            clock,
            max_receives: max_receives.max(1),
            state: Arc::new(Mutex::new(QueueState::default())),
        }
    }

    /// Forget the queued changes of an app (the fake's part of deleting an app).
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut state = lock(&self.state);
        let before = state.messages.len();
        state
            .messages
            .retain(|_, m| !serde_json::from_str::<Change>(&m.body).is_ok_and(|c| &c.app == app));
        (before - state.messages.len()) as u64
    }

    /// Enqueue a raw body as a producer with a bug would (tests of the undecodable path).
    pub fn send_raw(&self, body: &str) {
        lock(&self.state).push(body.to_owned(), self.clock.now());
    }
}

impl QueueState {
    fn push(&mut self, body: String, now: OffsetDateTime) {
        let id = self.next_id;
        self.next_id += 1;
        self.messages.insert(
            id,
            Message {
                body,
                visible_at: now,
                receive_count: 0,
                lease: 0,
                first_try: None,
            },
        );
    }

    fn dead_letter(&mut self, id: u64, reason: &str, now: OffsetDateTime) {
        if let Some(m) = self.messages.remove(&id) {
            let letter = DeadLetter {
                id: id.to_string(),
                body: m.body,
                receive_count: m.receive_count,
                reason: Some(reason.to_owned()),
                first_try: m.first_try,
                last_try: Some(now),
            };
            self.dead.push(letter);
        }
    }

    /// Visible message ids, earliest visible first.
    fn visible(&self, now: OffsetDateTime) -> Vec<u64> {
        let mut ids: Vec<(OffsetDateTime, u64)> = self
            .messages
            .iter()
            .filter(|(_, m)| m.visible_at <= now)
            .map(|(id, m)| (m.visible_at, *id))
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// Lease one message, or dead-letter it when it is spent or undecodable.
    fn lease(
        &mut self,
        id: u64,
        now: OffsetDateTime,
        until: OffsetDateTime,
        max_receives: u32,
    ) -> Option<Delivery> {
        self.next_lease += 1;
        let lease = self.next_lease;
        let m = self.messages.get_mut(&id)?;
        if m.receive_count >= max_receives {
            self.dead_letter(id, "max receives reached", now);
            return None;
        }
        let Ok(change) = serde_json::from_str::<Change>(&m.body) else {
            self.dead_letter(id, "does not decode", now);
            return None;
        };
        m.receive_count += 1;
        m.visible_at = until;
        m.lease = lease;
        m.first_try.get_or_insert(now);
        Some(Delivery {
            receipt: format!("{id}:{lease}"),
            change,
            receive_count: m.receive_count,
            first_try: m.first_try,
        })
    }

    /// The message a receipt names, if the receipt is still its current lease.
    fn leased(&mut self, receipt: &str) -> StoreResult<Option<&mut Message>> {
        let (id, lease) = parse_receipt(receipt)?;
        Ok(self.messages.get_mut(&id).filter(|m| m.lease == lease))
    }
}

fn parse_receipt(receipt: &str) -> StoreResult<(u64, u64)> {
    receipt
        .split_once(':')
        .and_then(|(id, lease)| Some((id.parse().ok()?, lease.parse().ok()?)))
        .ok_or_else(|| StoreError::Corrupt(format!("not a receipt of this queue: {receipt:?}")))
}

#[async_trait]
impl ChangeQueue for MemQueue {
    async fn send(&self, changes: &[Change]) -> StoreResult<()> {
        let bodies = changes
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("change does not encode: {e}")))?;
        let now = self.clock.now();
        let mut state = lock(&self.state);
        for body in bodies {
            state.push(body, now);
        }
        Ok(())
    }

    async fn receive(&self, max: usize, visibility: Duration) -> StoreResult<Vec<Delivery>> {
        let now = self.clock.now();
        let until = now + visibility;
        let mut state = lock(&self.state);
        let mut out = Vec::new();
        for id in state.visible(now) {
            if out.len() == max {
                break;
            }
            out.extend(state.lease(id, now, until, self.max_receives));
        }
        Ok(out)
    }

    async fn ack(&self, receipts: &[String]) -> StoreResult<()> {
        let mut state = lock(&self.state);
        for receipt in receipts {
            if state.leased(receipt)?.is_some() {
                let (id, _) = parse_receipt(receipt)?;
                state.messages.remove(&id);
            }
        }
        Ok(())
    }

    async fn nack(&self, receipt: &str, delay: Duration) -> StoreResult<()> {
        let visible_at = self.clock.now() + delay;
        if let Some(m) = lock(&self.state).leased(receipt)? {
            m.visible_at = visible_at;
        }
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        Ok(lock(&self.state).dead.iter().take(max).cloned().collect())
    }

    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> StoreResult<()> {
        let now = self.clock.now();
        let mut state = lock(&self.state);
        if state.leased(&delivery.receipt)?.is_some() {
            let (id, _) = parse_receipt(&delivery.receipt)?;
            state.dead_letter(id, reason, now);
        }
        Ok(())
    }

    async fn redrive(&self, ids: &[String]) -> StoreResult<u64> {
        let now = self.clock.now();
        let mut state = lock(&self.state);
        let (back, kept): (Vec<DeadLetter>, Vec<DeadLetter>) = std::mem::take(&mut state.dead)
            .into_iter()
            .partition(|d| ids.contains(&d.id));
        state.dead = kept;
        for letter in &back {
            state.push(letter.body.clone(), now);
        }
        Ok(back.len() as u64)
    }

    async fn depth(&self) -> StoreResult<u64> {
        Ok(lock(&self.state).messages.len() as u64)
    }
}
