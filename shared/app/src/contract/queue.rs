//! Contract of [`ChangeQueue`]: at-least-once delivery, visibility timeout, ack, nack with delay,
//! dead letters with the body preserved.

use super::fixtures::*;
use crate::fakes::FixedClock;
use crate::ports::{ChangeQueue, DeadLetter, Delivery};
use async_trait::async_trait;
use domain::{Change, RecordRef};
use std::time::Duration;

/// How a suite lets time pass for a queue: a [`FixedClock`] jumps; [`WallClock`] waits.
#[async_trait]
pub trait Timeline: Send + Sync {
    /// The visibility timeout the suite uses with this queue.
    fn visibility(&self) -> Duration;
    /// Let `d` pass.
    async fn pass(&self, d: Duration);
    /// True when time moves only through `pass` (then the suite can check exact boundaries).
    fn exact(&self) -> bool;
}

#[async_trait]
impl Timeline for FixedClock {
    fn visibility(&self) -> Duration {
        Duration::from_secs(30)
    }
    async fn pass(&self, d: Duration) {
        self.advance(d);
    }
    fn exact(&self) -> bool {
        true
    }
}

/// Real time, for queues on the system clock (SQS, or SQLite with `SystemClock`).
pub struct WallClock {
    pub visibility: Duration,
}

#[async_trait]
impl Timeline for WallClock {
    fn visibility(&self) -> Duration {
        self.visibility
    }
    async fn pass(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
    fn exact(&self) -> bool {
        false
    }
}

/// Run the queue contract on an empty queue that dead-letters after `max_receives` (≥ 3).
pub async fn change_queue(q: &dyn ChangeQueue, time: &dyn Timeline, max_receives: u32) {
    assert!(max_receives >= 3, "the suite needs max_receives >= 3");
    assert_eq!(
        q.depth().await.unwrap(),
        0,
        "the suite starts on an empty queue"
    );
    assert!(
        q.receive(10, time.visibility()).await.unwrap().is_empty(),
        "empty queue"
    );
    at_least_once(q, time).await;
    nack_makes_visible_after_the_delay(q, time).await;
    spent_messages_become_dead_letters(q, time, max_receives).await;
    dead_letters_say_why_and_can_be_redriven(q, time).await;
    batches_of_any_size(q, time).await;
}

fn lead(n: u64, app_name: &str) -> Change {
    change(
        &app(app_name),
        RecordRef::Jing(jing_id(n)),
        at(n as i64),
        &[("name", "张三"), ("mobile", "")],
    )
}

/// Receive until `want` deliveries arrived, letting no time pass beyond `step` per poll.
async fn receive_n(
    q: &dyn ChangeQueue,
    time: &dyn Timeline,
    want: usize,
    step: Duration,
) -> Vec<Delivery> {
    let mut got = Vec::new();
    let polls = if time.exact() { 3 } else { 100 };
    for _ in 0..polls {
        let asked = want - got.len();
        let batch = q.receive(asked, time.visibility()).await.unwrap();
        assert!(
            batch.len() <= asked,
            "receive({asked}) returned {}",
            batch.len()
        );
        got.extend(batch);
        if got.len() >= want {
            return got;
        }
        time.pass(step).await;
    }
    panic!(
        "expected {want} deliveries, got {} after {polls} polls",
        got.len()
    );
}

/// After the visibility timeout the message must come back.
async fn redelivered(q: &dyn ChangeQueue, time: &dyn Timeline) -> Delivery {
    time.pass(time.visibility()).await;
    let step = if time.exact() {
        Duration::ZERO
    } else {
        Duration::from_millis(100)
    };
    receive_n(q, time, 1, step).await.remove(0)
}

fn sorted_changes(ds: &[Delivery]) -> Vec<Change> {
    let mut cs: Vec<Change> = ds.iter().map(|d| d.change.clone()).collect();
    cs.sort_by(|a, b| a.record.cmp(&b.record));
    cs
}

async fn at_least_once(q: &dyn ChangeQueue, time: &dyn Timeline) {
    let sent = vec![lead(1, "queue-a"), lead(2, "queue-b"), lead(3, "queue-a")];
    q.send(&sent).await.expect("send");
    assert_eq!(q.depth().await.unwrap(), 3, "depth counts sent messages");
    let first = q.receive(2, time.visibility()).await.unwrap();
    assert!(
        first.len() <= 2,
        "receive returns at most max ({})",
        first.len()
    );
    let mut all = first;
    let rest = receive_n(q, time, 3 - all.len(), Duration::ZERO).await;
    all.extend(rest);
    assert_eq!(
        sorted_changes(&all),
        sent,
        "every change arrives intact, with its own app"
    );
    assert!(
        all.iter().all(|d| d.receive_count == 1),
        "first delivery has receive_count 1"
    );
    assert!(
        q.receive(10, time.visibility()).await.unwrap().is_empty(),
        "received messages are invisible"
    );
    if time.exact() {
        time.pass(time.visibility() / 2).await;
        assert!(
            q.receive(10, time.visibility()).await.unwrap().is_empty(),
            "still invisible halfway"
        );
        time.pass(time.visibility() / 2 - Duration::from_millis(1))
            .await;
        assert!(
            q.receive(10, time.visibility()).await.unwrap().is_empty(),
            "invisible 1 ms before"
        );
    }
    assert_eq!(
        q.depth().await.unwrap(),
        3,
        "in-flight messages count in depth"
    );
    let (keep, done): (Vec<Delivery>, Vec<Delivery>) = all
        .into_iter()
        .partition(|d| d.change.record == RecordRef::Jing(jing_id(2)));
    q.ack(&done.iter().map(|d| d.receipt.clone()).collect::<Vec<_>>())
        .await
        .expect("ack");
    assert_eq!(q.depth().await.unwrap(), 1, "acked messages are gone");
    let again = redelivered(q, time).await;
    assert_eq!(
        again.change, keep[0].change,
        "an unacked message is delivered again"
    );
    assert_eq!(again.receive_count, 2, "with receive_count + 1");
    assert!(
        q.receive(10, time.visibility()).await.unwrap().is_empty(),
        "acked ones never return"
    );
    q.ack(&[again.receipt]).await.unwrap();
    q.ack(&[]).await.expect("acking nothing is fine");
    assert_eq!(q.depth().await.unwrap(), 0);
}

async fn nack_makes_visible_after_the_delay(q: &dyn ChangeQueue, time: &dyn Timeline) {
    q.send(&[lead(4, "queue-a")]).await.unwrap();
    let d1 = receive_n(q, time, 1, Duration::ZERO).await.remove(0);
    q.nack(&d1.receipt, Duration::ZERO).await.expect("nack");
    let d2 = receive_n(q, time, 1, Duration::from_millis(50))
        .await
        .remove(0);
    assert_eq!(
        (d2.change.record.clone(), d2.receive_count),
        (d1.change.record, 2),
        "nack(0) redelivers now"
    );
    q.nack(&d2.receipt, time.visibility()).await.unwrap();
    assert!(
        q.receive(10, time.visibility()).await.unwrap().is_empty(),
        "nack with a delay hides the message"
    );
    let d3 = redelivered(q, time).await;
    assert_eq!(d3.receive_count, 3, "visible again after the delay");
    q.ack(&[d3.receipt]).await.unwrap();
    assert_eq!(q.depth().await.unwrap(), 0);
}

async fn spent_messages_become_dead_letters(q: &dyn ChangeQueue, time: &dyn Timeline, max: u32) {
    let poison = lead(5, "queue-a");
    q.send(std::slice::from_ref(&poison)).await.unwrap();
    for n in 1..=max {
        let d = receive_n(q, time, 1, Duration::from_millis(50))
            .await
            .remove(0);
        assert_eq!(d.receive_count, n);
        q.nack(&d.receipt, Duration::ZERO).await.unwrap();
    }
    // The next receive moves it to the dead letters instead of delivering it.
    let polls = if time.exact() { 1 } else { 100 };
    let mut letters = Vec::new();
    for _ in 0..polls {
        assert!(
            q.receive(10, time.visibility()).await.unwrap().is_empty(),
            "a spent message is not delivered"
        );
        letters = q.dead_letters(10).await.unwrap();
        if !letters.is_empty() {
            break;
        }
        time.pass(Duration::from_millis(100)).await;
    }
    assert_eq!(letters.len(), 1, "the spent message is a dead letter");
    let body: Change =
        serde_json::from_str(&letters[0].body).expect("dead-letter body is the change JSON");
    assert_eq!(body, poison, "the dead letter keeps the body");
    assert_eq!(
        letters[0].receive_count, max,
        "and how often it was received"
    );
    assert_eq!(
        q.depth().await.unwrap(),
        0,
        "dead letters are not in the queue depth"
    );
}

/// A consumer dead-letters a taken message with its reason; the dead letter keeps body, reason
/// and attempts; a redrive puts it back with its deliveries counted afresh.
async fn dead_letters_say_why_and_can_be_redriven(q: &dyn ChangeQueue, time: &dyn Timeline) {
    let change = lead(7, "queue-dead");
    q.send(std::slice::from_ref(&change)).await.unwrap();
    let d = receive_n(q, time, 1, Duration::from_millis(50))
        .await
        .remove(0);
    q.dead_letter(&d, "retried for a day: Salesforce unavailable")
        .await
        .unwrap();
    assert_eq!(q.depth().await.unwrap(), 0, "no longer queued");
    let mine = |letters: Vec<DeadLetter>| {
        letters
            .into_iter()
            .filter(|l| serde_json::from_str::<Change>(&l.body).is_ok_and(|c| c == change))
            .collect::<Vec<_>>()
    };
    let mut letters = Vec::new();
    for _ in 0..100 {
        letters = mine(q.dead_letters(50).await.unwrap());
        if !letters.is_empty() {
            break;
        }
        time.pass(Duration::from_millis(100)).await;
    }
    assert_eq!(letters.len(), 1, "the dead letter is listed");
    assert_eq!(
        letters[0].reason.as_deref(),
        Some("retried for a day: Salesforce unavailable")
    );
    assert!(letters[0].last_try.is_some(), "when it was last tried");
    q.dead_letter(&d, "again")
        .await
        .expect("a stale receipt changes nothing");
    let moved = q
        .redrive(&[letters[0].id.clone(), "no-such-id".to_owned()])
        .await
        .unwrap();
    assert_eq!(moved, 1, "the known id went back");
    let back = receive_n(q, time, 1, Duration::from_millis(50))
        .await
        .remove(0);
    assert_eq!(back.change, change);
    assert_eq!(back.receive_count, 1, "deliveries counted afresh");
    q.ack(&[back.receipt]).await.unwrap();
    assert!(
        mine(q.dead_letters(50).await.unwrap()).is_empty(),
        "no longer a dead letter"
    );
}

async fn batches_of_any_size(q: &dyn ChangeQueue, time: &dyn Timeline) {
    let sent: Vec<Change> = (100..125).map(|n| lead(n, "queue-batch")).collect();
    q.send(&sent)
        .await
        .expect("a batch larger than SQS's 10 is split by the adapter");
    q.send(&[]).await.expect("sending nothing is fine");
    assert_eq!(q.depth().await.unwrap(), 25);
    let step = if time.exact() {
        Duration::ZERO
    } else {
        Duration::from_millis(50)
    };
    let mut got = Vec::new();
    while got.len() < 25 {
        let batch = receive_n(q, time, (25 - got.len()).min(10), step).await;
        q.ack(&batch.iter().map(|d| d.receipt.clone()).collect::<Vec<_>>())
            .await
            .unwrap();
        got.extend(batch);
    }
    assert_eq!(sorted_changes(&got), sent, "every change of the batch once");
    assert_eq!(q.depth().await.unwrap(), 0);
}
