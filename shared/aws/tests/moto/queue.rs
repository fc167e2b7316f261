//! The shared queue contract on SQS, and a poison message's way to the DLQ.

use crate::common::moto;
use app::contract::{self, WallClock};
use app::ports::ChangeQueue;
use aws::sqs::SqsChangeQueue;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_queue_passes_the_contract() {
    let m = moto().await;
    let urls = m.queues(3).await;
    let q = SqsChangeQueue::new(m.clients.sqs.clone(), urls);
    contract::change_queue(
        &q,
        &WallClock {
            visibility: Duration::from_secs(1),
        },
        3,
    )
    .await;
}

/// A body that is not a change is never delivered: it goes to the DLQ at its first receive,
/// byte for byte, saying where it does not decode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_reaches_the_dlq_with_its_body_preserved() {
    let m = moto().await;
    let urls = m.queues(2).await;
    let poison = "{\"v\":99,\"not\":\"a change\", \"中文\": true}";
    m.clients
        .sqs
        .send_message()
        .queue_url(&urls.changes)
        .message_body(poison)
        .send()
        .await
        .unwrap();
    let q = SqsChangeQueue::new(m.clients.sqs.clone(), urls);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let letters = loop {
        let delivered = q.receive(10, Duration::from_secs(1)).await.unwrap();
        assert!(
            delivered.is_empty(),
            "an undecodable message is never delivered"
        );
        let letters = q.dead_letters(10).await.unwrap();
        if !letters.is_empty() {
            break letters;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "poison message never reached the DLQ"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].body, poison, "the DLQ keeps the body verbatim");
    assert_eq!(letters[0].receive_count, 1, "moved at its first receive");
    let reason = letters[0].reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("does not decode (line 1"), "{reason}");
    assert!(
        !reason.contains("中文"),
        "the reason holds no values: {reason}"
    );
    assert_eq!(q.depth().await.unwrap(), 0, "gone from the changes queue");
    let again = q.dead_letters(10).await.unwrap();
    assert_eq!(
        again.len(),
        1,
        "reading dead letters leaves them in the DLQ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_larger_than_256_kib_is_refused_before_sending() {
    let m = moto().await;
    let urls = m.queues(3).await;
    let q = SqsChangeQueue::new(m.clients.sqs.clone(), urls);
    let big = "x".repeat(300_000);
    let change = app::contract::change(
        &app::contract::app("queue-big"),
        domain::RecordRef::Jing(app::contract::jing_id(1)),
        app::contract::at(0),
        &[("Description", big.as_str())],
    );
    let err = q.send(&[change]).await.unwrap_err();
    assert!(matches!(err, app::ports::StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(q.depth().await.unwrap(), 0, "nothing was sent");
}
