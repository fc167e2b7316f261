//! The writer's batch failures and the DLQ; the error digest through SES.

use domain::{ErrorCode, ObjectKind};
use fn_e2e::events::scheduled_event;
use fn_e2e::world::{ADMIN_EMAIL, World};
use std::collections::HashSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_is_reported_failed_and_lands_in_the_dlq() {
    let w = World::new(2).await;
    let urls = w.stack.changes.clone();
    w.stack
        .sqs
        .send_message()
        .queue_url(&urls.changes)
        .message_body("{\"not\": \"a change\"")
        .send()
        .await
        .expect("send");
    let arn = w.stack.queue_arn(&urls.changes).await;
    let mut receives = 0;
    // Visibility 0 stands for an expired visibility timeout: the next receive gets it again.
    for _ in 0..5 {
        let messages = w.stack.receive(&urls.changes, 0).await;
        if messages.is_empty() {
            break;
        }
        receives += 1;
        let ids: HashSet<String> = messages
            .iter()
            .filter_map(|m| m.message_id().map(str::to_owned))
            .collect();
        let response =
            fn_writer::handler::handle(&w.f.writer, fn_e2e::events::sqs_event(&arn, &messages))
                .await;
        let failed: HashSet<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(
            failed, ids,
            "the undecodable message must be reported failed"
        );
        let failed: Vec<String> = failed.into_iter().collect();
        w.stack.delete_done(&urls.changes, &messages, &failed).await;
    }
    assert_eq!(receives, 2, "delivered exactly maxReceiveCount times");
    let dead = w.stack.receive(&urls.dead_letters, 0).await;
    assert_eq!(dead.len(), 1, "the poison message is in the DLQ");
    assert_eq!(dead[0].body(), Some("{\"not\": \"a change\""));
    // The hourly notifier reports the DLQ depth (read without receiving the dead letters).
    let summary = fn_error_notifier::handler::handle(&w.f.notifier, scheduled_event("notifier"))
        .await
        .expect("notifier");
    assert_eq!(summary.dead_letters, Some(1));
}

/// Deleting an app purges everything of it, and SQS cannot select an app's messages: the
/// writer drops changes of an app that does not exist (instead of cycling them to the DLQ).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_of_an_app_that_no_longer_exists_are_dropped() {
    let w = World::new(5).await;
    let mut change_json = serde_json::to_value(sample_change()).expect("change");
    change_json["app"] = serde_json::json!("nobody_here");
    w.stack
        .sqs
        .send_message()
        .queue_url(&w.stack.changes.changes)
        .message_body(change_json.to_string())
        .send()
        .await
        .expect("send");
    let (handed, response) = w.writer_round().await;
    assert_eq!(handed, 1);
    assert!(
        response.batch_item_failures.is_empty(),
        "done with: {response:?}"
    );
    assert!(
        w.stack
            .receive(&w.stack.changes.changes, 0)
            .await
            .is_empty()
    );
}

fn sample_change() -> domain::Change {
    // The contract fixtures' change: a realistic Salesforce lead update.
    app::contract::change(
        &domain::AppId::parse("someone").expect("id"),
        domain::RecordRef::Salesforce(domain::SfId::parse("00Q000000000001").expect("id")),
        time::OffsetDateTime::now_utc(),
        &[("Title", "CTO")],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_digest_is_sent_through_ses() {
    let w = World::new(5).await;
    let seen = w.clock_now();
    // moto keeps every mail of every run: a record id of this run only.
    let key = format!("00Q{:012}", seen.unix_timestamp_nanos() % 1_000_000_000_000);
    let record = app::contract::error_record(
        &w.app,
        ObjectKind::Lead,
        &key,
        "赵磊",
        ErrorCode::ValueTooLong,
        seen,
    );
    w.ports()
        .errors
        .record(&record)
        .await
        .expect("record error");
    let summary = fn_error_notifier::handler::handle(&w.f.notifier, scheduled_event("notifier"))
        .await
        .expect("digest");
    assert_eq!(summary.digest.mails_sent, 1, "{summary:?}");
    assert_eq!(summary.dead_letters, Some(0));
    let data = w.stack.data_json().await;
    let mails = data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ours: Vec<_> = mails
        .iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .to_string()
                .contains(ADMIN_EMAIL)
        })
        .filter(|m| m["body"].as_str().is_some_and(|b| b.contains(&key)))
        .collect();
    assert_eq!(ours.len(), 1, "one digest naming the failing record");
    // A second run has nothing new: no second mail.
    let again = fn_error_notifier::handler::handle(&w.f.notifier, scheduled_event("notifier"))
        .await
        .expect("digest");
    assert_eq!(again.digest.mails_sent, 0);
}
