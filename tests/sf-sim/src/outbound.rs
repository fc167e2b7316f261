//! Outbound messages (§13): changes matching a definition are queued as notifications and sent as
//! SOAP 1.1 (≤ 100 per message), at least once, retried with exponential backoff until the
//! listener answers 200 with `<Ack>true</Ack>`, dropped after 24 h. Record state is read at send
//! time, not at trigger time.

use crate::dml::WriteOpts;
use crate::state::{Org, Shared};
use domain::ids::SfId;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const MAX_PER_MESSAGE: usize = 100;
const MAX_BACKOFF: Duration = Duration::from_secs(2 * 3600);
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
struct Pending {
    /// Queue order, so an all-or-none rollback can take back what it queued.
    seq: u64,
    notification_id: SfId,
    object: &'static str,
    record: SfId,
    queued_at: OffsetDateTime,
    attempts: u32,
    next_try: Option<Instant>,
}

/// Delivery counters for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundStats {
    /// HTTP POSTs made to the listener (including duplicates).
    pub attempts: u64,
    /// Notifications acknowledged.
    pub acked: u64,
    /// Notifications given up after 24 h or lost by an injected fault.
    pub dropped: u64,
}

#[derive(Debug, Clone, Default)]
pub struct OutboundQueue {
    pending: Vec<Pending>,
    action_ids: HashMap<&'static str, SfId>,
    pub stats: OutboundStats,
    /// Notifications still to be lost without a trace (outbound messages "may never arrive").
    pub lose_next: u32,
    queued: u64,
}

/// What the queue held when an all-or-none request started.
#[derive(Debug, Clone)]
pub struct QueueMark {
    queued: u64,
    action_ids: HashMap<&'static str, SfId>,
}

impl OutboundQueue {
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
    pub fn mark(&self) -> QueueMark {
        QueueMark {
            queued: self.queued,
            action_ids: self.action_ids.clone(),
        }
    }
    /// Forget the notifications queued since `mark` (their changes were rolled back).
    pub fn rollback(&mut self, mark: QueueMark) {
        self.pending.retain(|p| p.seq < mark.queued);
        self.action_ids = mark.action_ids;
    }
}

/// Queue a notification when an outbound-message definition covers this change.
pub fn on_change(org: &mut Org, object: &'static str, id: &SfId, opts: &WriteOpts) {
    let Some(cfg) = &org.cfg.outbound else { return };
    let selected = cfg.objects.iter().any(|(o, _)| o == object);
    if !selected || (opts.api && !cfg.include_integration_changes) {
        return;
    }
    if !org.outbound.action_ids.contains_key(object) {
        let action = org.ids.next("04k");
        org.outbound.action_ids.insert(object, action);
    }
    let notification_id = org.ids.next("04l");
    let queued_at = org.clock.now();
    org.outbound.queued += 1;
    org.outbound.pending.push(Pending {
        seq: org.outbound.queued,
        notification_id,
        object,
        record: id.clone(),
        queued_at,
        attempts: 0,
        next_try: None,
    });
}

/// One SOAP message ready to POST.
struct Message {
    url: String,
    ids: Vec<SfId>,
    xml: String,
    duplicate: bool,
}

/// Deliver queued notifications. `only_due` respects the retry schedule (background sender);
/// otherwise everything pending is attempted now. Returns how many notifications were acked.
pub async fn deliver(sim: &Shared, client: &reqwest::Client, only_due: bool) -> usize {
    let messages = build_messages(sim, only_due);
    let mut acked = 0;
    for m in messages {
        let ok = post(client, &m).await;
        if ok && m.duplicate {
            // At-least-once: the same message arrives again.
            post(client, &m).await;
        }
        let mut org = sim.lock();
        org.outbound.stats.attempts += if ok && m.duplicate { 2 } else { 1 };
        if ok {
            acked += m.ids.len();
            org.outbound.stats.acked += m.ids.len() as u64;
            org.outbound
                .pending
                .retain(|p| !m.ids.contains(&p.notification_id));
        } else {
            let base = org
                .cfg
                .outbound
                .as_ref()
                .map_or(Duration::from_secs(60), |c| c.retry_base);
            for p in org
                .outbound
                .pending
                .iter_mut()
                .filter(|p| m.ids.contains(&p.notification_id))
            {
                p.attempts += 1;
                let backoff = base
                    .saturating_mul(1 << p.attempts.min(16))
                    .min(MAX_BACKOFF);
                p.next_try = Some(Instant::now() + backoff);
            }
        }
    }
    acked
}

async fn post(client: &reqwest::Client, m: &Message) -> bool {
    let resp = client
        .post(&m.url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(m.xml.clone())
        .send()
        .await;
    match resp {
        Ok(r) if r.status().as_u16() == 200 => r.text().await.is_ok_and(|b| is_ack(&b)),
        _ => false,
    }
}

/// `<Ack>true</Ack>` under any namespace prefix.
fn is_ack(body: &str) -> bool {
    let compact: String = body.split_whitespace().collect();
    compact.contains("Ack>true</")
}

fn build_messages(sim: &Shared, only_due: bool) -> Vec<Message> {
    let mut org = sim.lock();
    let Some(cfg) = org.cfg.outbound.clone() else {
        return vec![];
    };
    let now = org.clock.now();
    let before = org.outbound.pending.len();
    org.outbound
        .pending
        .retain(|p| now - p.queued_at <= GIVE_UP_AFTER);
    while org.outbound.lose_next > 0 && !org.outbound.pending.is_empty() {
        org.outbound.pending.remove(0);
        org.outbound.lose_next -= 1;
    }
    org.outbound.stats.dropped += (before - org.outbound.pending.len()) as u64;
    let due: Vec<Pending> = org
        .outbound
        .pending
        .iter()
        .filter(|p| !only_due || p.next_try.is_none_or(|t| t <= Instant::now()))
        .cloned()
        .collect();
    let mut by_object: Vec<(&'static str, Vec<Pending>)> = vec![];
    for p in due {
        match by_object.iter_mut().find(|(o, _)| *o == p.object) {
            Some((_, list)) => list.push(p),
            None => by_object.push((p.object, vec![p])),
        }
    }
    let mut out = vec![];
    for (object, list) in by_object {
        let fields = cfg
            .objects
            .iter()
            .find(|(o, _)| o == object)
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        for chunk in list.chunks(MAX_PER_MESSAGE) {
            let mut chunk = chunk.to_vec();
            if cfg.reorder {
                chunk.reverse();
            }
            let xml = crate::soap::envelope(
                &org,
                object,
                &fields,
                &chunk
                    .iter()
                    .map(|p| (p.notification_id.clone(), p.record.clone()))
                    .collect::<Vec<_>>(),
            );
            out.push(Message {
                url: cfg.url.clone(),
                ids: chunk.iter().map(|p| p.notification_id.clone()).collect(),
                xml,
                duplicate: cfg.duplicate,
            });
        }
    }
    out
}

/// The action id (`04k…`) of an object's outbound-message definition, once one was queued.
pub fn action_id(org: &Org, object: &str) -> Option<SfId> {
    org.outbound
        .action_ids
        .iter()
        .find(|(o, _)| **o == object)
        .map(|(_, id)| id.clone())
}

/// Spawned when `OutboundConfig::background` is set: delivers due messages every tick.
pub fn spawn_sender(sim: Shared, client: reqwest::Client) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            deliver(&sim, &client, true).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::is_ack;

    #[test]
    fn only_a_true_ack_counts() {
        assert!(is_ack(
            "<soapenv:Body><notificationsResponse><Ack>true</Ack></notificationsResponse>"
        ));
        assert!(is_ack("<n:Ack>\n true \n</n:Ack>"));
        assert!(!is_ack("<Ack>false</Ack>"));
        assert!(!is_ack(""));
        assert!(!is_ack("OK"));
    }
}
