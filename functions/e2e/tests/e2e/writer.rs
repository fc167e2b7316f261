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
    // The writer sets a failed poison message visible again after 1 s: each round waits
    // for it (bounded), until SQS's redrive policy has moved it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while receives < 5 && std::time::Instant::now() < deadline {
        let messages = w.stack.receive(&urls.changes, 0).await;
        if messages.is_empty() {
            if !w.stack.receive(&urls.dead_letters, 0).await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        receives += 1;
        let ids: HashSet<String> = messages
            .iter()
            .filter_map(|m| m.message_id().map(str::to_owned))
            .collect();
        let response = fn_writer::handler::handle(
            &w.f.writer,
            fn_e2e::events::sqs_event(&arn, &messages),
            None,
        )
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

/// The 105th delivery of a change that keeps failing (Salesforce down for a day): the writer
/// moves it to the DLQ itself, with why; the admin API lists it and sends it back; it lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_failing_on_its_last_delivery_becomes_a_dead_letter_the_admin_redrives() {
    let w = World::connected(edge::jobs::MAX_RECEIVES + 5).await;
    w.jing
        .human()
        .create_lead(serde_json::json!({"name": "死信", "company_id": "重试公司",
                                        "mobile": "13811112222"}))
        .expect("lead");
    w.jing.deliver_webhooks().await;
    w.sf.faults()
        .fail_next(10_000, sf_sim::Fault::ServiceUnavailable);
    let url = w.stack.changes.changes.clone();
    let messages = w.stack.receive(&url, 30).await;
    assert_eq!(messages.len(), 1, "the webhook queued one change");
    let arn = w.stack.queue_arn(&url).await;
    let mut event = fn_e2e::events::sqs_event(&arn, &messages);
    // What SQS says on the last delivery the writer takes (the earlier ones only backed off).
    event.records[0].attributes.insert(
        "ApproximateReceiveCount".into(),
        edge::jobs::MAX_RECEIVES.to_string(),
    );
    let response = fn_writer::handler::handle(&w.f.writer, event, None).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "moved, not failed: {response:?}"
    );
    assert!(
        w.stack.receive(&url, 0).await.is_empty(),
        "gone from the queue"
    );

    let listed = w
        .ok(
            reqwest::Method::GET,
            &format!("/dead-letters?app={}", w.app),
            None,
        )
        .await;
    let items = listed["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{listed}");
    let reason = items[0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("still failing after 105 deliveries over 24 hours"),
        "{reason}"
    );
    assert_eq!(items[0]["receive_count"], serde_json::json!(105));
    assert!(items[0]["last_try"].is_string(), "{}", items[0]);

    w.sf.faults().clear();
    let id = items[0]["id"].as_str().unwrap_or_default().to_owned();
    let back = w
        .ok(
            reqwest::Method::POST,
            "/dead-letters/redrive",
            Some(serde_json::json!({ "ids": [id, "not-a-letter"] })),
        )
        .await;
    assert_eq!(back["redriven"], serde_json::json!(1));
    assert_eq!(back["unknown"], serde_json::json!(["not-a-letter"]));
    w.drain().await;
    assert_eq!(
        w.sf.find("Lead", "LastName", "死信").len(),
        1,
        "landed once"
    );
    let after = w
        .ok(
            reqwest::Method::GET,
            &format!("/dead-letters?app={}", w.app),
            None,
        )
        .await;
    assert_eq!(after["items"], serde_json::json!([]));
}

/// An invocation that runs out of time mid-batch: the group it started (accounts) finishes,
/// the one it had not reached (leads) is reported failed and redelivered at once; nothing is
/// written twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_out_of_time_finishes_its_group_and_hands_the_rest_back() {
    let w = World::connected(5).await;
    for i in 0..3 {
        w.jing
            .human()
            .create_account(serde_json::json!({"company_id": format!("超时企业{i}")}))
            .expect("account");
        w.jing
            .human()
            .create_lead(serde_json::json!({"name": format!("超时{i}"),
                "company_id": format!("超时公司{i}"), "mobile": format!("1370000{i:04}")}))
            .expect("lead");
    }
    w.jing.deliver_webhooks().await;
    let url = w.stack.changes.changes.clone();
    let messages = w.stack.receive(&url, 30).await;
    assert_eq!(messages.len(), 6, "three accounts and three leads queued");
    let arn = w.stack.queue_arn(&url).await;
    // Every Salesforce answer takes a second: the accounts' group (a describe and a create at
    // least) runs past the stop time, which leaves the work before it (settings, secrets) room
    // on a busy machine.
    w.sf.faults()
        .latency(std::time::Duration::from_millis(1000));
    let stop_at = std::time::Instant::now() + std::time::Duration::from_millis(700);
    let event = fn_e2e::events::sqs_event(&arn, &messages);
    let response = fn_writer::handler::handle(&w.f.writer, event, Some(stop_at)).await;
    let failed: HashSet<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    let leads: HashSet<String> = messages
        .iter()
        .filter(|m| m.body().is_some_and(|b| b.contains("\"object\":\"lead\"")))
        .filter_map(|m| m.message_id().map(str::to_owned))
        .collect();
    assert_eq!(failed, leads, "the leads' group was handed back");
    w.stack
        .delete_done(&url, &messages, &failed.into_iter().collect::<Vec<_>>())
        .await;
    for i in 0..3 {
        assert_eq!(
            w.sf.find("Account", "Name", &format!("超时企业{i}")).len(),
            1
        );
        assert!(
            w.sf.find("Lead", "LastName", &format!("超时{i}"))
                .is_empty()
        );
    }
    w.sf.faults().latency(std::time::Duration::ZERO);
    let again = w.drain().await;
    assert_eq!(again, 3, "the leads came back at once, and only they");
    for i in 0..3 {
        assert_eq!(
            w.sf.find("Account", "Name", &format!("超时企业{i}")).len(),
            1,
            "no double"
        );
        assert_eq!(w.sf.find("Lead", "LastName", &format!("超时{i}")).len(), 1);
    }
}

/// One new JING lead delivered 20 times (JING's retries and SQS's at-least-once copies) and
/// handed to 20 writer invocations running at once, one message each: the record claims in
/// DynamoDB let one of them create the lead; the others are told to wait (reported failed),
/// come back, and find it. Exactly one Salesforce lead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_writers_on_one_new_jing_lead_make_one_lead() {
    let w = World::connected(5).await;
    w.jing
        .human()
        .create_lead(
            serde_json::json!({"name": "二十路", "company_id": "并发公司",
                                        "mobile": "13600000022"}),
        )
        .expect("lead");
    assert_eq!(w.jing.deliver_webhooks().await.delivered, 1);
    let url = w.stack.changes.changes.clone();
    let first = w.stack.receive(&url, 0).await;
    assert_eq!(first.len(), 1, "the webhook queued one change");
    let body = first[0].body().unwrap_or_default().to_owned();
    for _ in 0..19 {
        w.stack
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(&body)
            .send()
            .await
            .expect("send");
    }
    let mut messages = Vec::new();
    for _ in 0..20 {
        messages.extend(w.stack.receive(&url, 30).await);
        if messages.len() >= 20 {
            break;
        }
    }
    assert_eq!(messages.len(), 20, "20 deliveries of one change");
    let arn = w.stack.queue_arn(&url).await;
    let invocations: Vec<_> = messages
        .iter()
        .map(|m| {
            let event = fn_e2e::events::sqs_event(&arn, std::slice::from_ref(m));
            Box::pin(fn_writer::handler::handle(&w.f.writer, event, None))
                as std::pin::Pin<
                    Box<
                        dyn std::future::Future<
                                Output = aws_lambda_events::event::sqs::SqsBatchResponse,
                            > + Send
                            + '_,
                    >,
                >
        })
        .collect();
    let responses = app::contract::join_all(invocations).await;
    let failed: Vec<String> = responses
        .iter()
        .flat_map(|r| r.batch_item_failures.iter())
        .map(|f| f.item_identifier.clone())
        .collect();
    assert!(failed.len() < 20, "one of them wrote");
    w.stack.delete_done(&url, &messages, &failed).await;
    assert_eq!(
        w.sf.find("Lead", "LastName", "二十路").len(),
        1,
        "one lead while they raced"
    );
    // The ones told to wait come back after their backoff and find it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        w.drain().await;
        if w.ports().queue.depth().await.expect("depth") == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the waiting copies did not come back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        w.sf.find("Lead", "LastName", "二十路").len(),
        1,
        "still one"
    );
    assert_eq!(w.sf.count("Lead"), 1);
}
