//! Retries, throttling (both answers), timeouts, the client's own pacing, employees.

mod common;

use common::*;
use domain::{ErrorCode, JingId};
use jing::{EmployeeCreated, JingError, NewEmployee, RetryPolicy};
use jing_sim::ThrottleAnswer;
use jingsf_jing as jing;
use std::time::{Duration, Instant};

async fn fields(client: &jing::JingClient) -> Result<Vec<jing::FieldMeta>, JingError> {
    client.field_metadata("lead").await
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_transient() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    fields(&client).await.unwrap();
    sim.faults().fail_next(2);
    fields(&client).await.unwrap();
    assert_eq!(calls(&sim, "object_fields"), 4);
    sim.faults().fail_next_with(10, 502);
    match fields(&client).await.unwrap_err() {
        JingError::Transient(e) => assert_eq!(e.code, ErrorCode::RemoteUnavailable),
        other => panic!("{other:?}"),
    }
    assert_eq!(calls(&sim, "object_fields"), 4 + 4, "max_attempts = 4");
    assert_eq!(client.calls().total, sim.total_calls());
}

async fn throttled_run(answer: ThrottleAnswer) {
    let sim = sim().await;
    sim.faults().throttle(Some(3), answer);
    let mut cfg = config(&sim, SECRET);
    cfg.retry = RetryPolicy {
        max_attempts: 8,
        base_delay: Duration::from_millis(150),
        max_delay: Duration::from_millis(600),
    };
    let (client, _) = client_with(&sim, cfg, None);
    for _ in 0..6 {
        fields(&client).await.unwrap();
    }
    // Every call got through, and some were answered with the throttle first.
    assert!(calls(&sim, "object_fields") > 6, "{:?}", sim.calls());
}

#[tokio::test]
async fn throttling_by_code_is_retried() {
    throttled_run(ThrottleAnswer::Code).await;
}

#[tokio::test]
async fn throttling_by_http_429_is_retried() {
    throttled_run(ThrottleAnswer::Http429).await;
}

#[tokio::test]
async fn persistent_throttling_is_a_transient_throttle_error() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    fields(&client).await.unwrap();
    sim.faults().throttle(Some(0), ThrottleAnswer::Code);
    match fields(&client).await.unwrap_err() {
        JingError::Transient(e) => assert_eq!(e.code, ErrorCode::JingThrottled),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let sim = sim().await;
    let mut cfg = config(&sim, SECRET);
    cfg.timeout = Duration::from_millis(300);
    let (client, _) = client_with(&sim, cfg, None);
    fields(&client).await.unwrap();
    sim.faults().slow_next(1, Duration::from_secs(2));
    fields(&client).await.unwrap();
    assert_eq!(calls(&sim, "object_fields"), 3);
}

#[tokio::test]
async fn the_client_paces_itself_below_the_server_limit() {
    let sim = sim().await;
    sim.faults().throttle(Some(5), ThrottleAnswer::Code);
    let mut cfg = config(&sim, SECRET);
    cfg.rate_per_sec = 4.0;
    cfg.burst = 1;
    cfg.retry = RetryPolicy {
        max_attempts: 1,
        ..cfg.retry
    };
    let (client, _) = client_with(&sim, cfg, None);
    let start = Instant::now();
    for _ in 0..7 {
        fields(&client).await.unwrap();
    }
    // 8 calls (token + 7) at 4/s with no burst take at least 7 intervals of 250 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(1700),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(sim.total_calls(), 8, "no call was throttled");
}

#[tokio::test]
async fn employees_are_matched_listed_and_created_with_dedup() {
    let sim = sim().await;
    let zhang = sim
        .add_employee("张伟", Some("13800000001"), Some("zhang.wei@acme.cn"))
        .unwrap();
    let li = sim.add_employee("李娜", Some("13800000002"), None).unwrap();
    for i in 0..3 {
        sim.add_employee(&format!("员工{i}"), None, Some(&format!("e{i}@acme.cn")))
            .unwrap();
    }
    let (client, _) = client(&sim);
    let found = client
        .query_employees(
            &["+86 138 0000 0002".into(), "13999999999".into()],
            &["ZHANG.WEI@acme.cn".into()],
        )
        .await
        .unwrap();
    let ids: Vec<&JingId> = found.iter().map(|e| &e.id).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(ids.contains(&&zhang) && ids.contains(&&li));

    let new = |name: &str, mobile: Option<&str>, email: Option<&str>| NewEmployee {
        name: name.into(),
        mobile: mobile.map(Into::into),
        email: email.map(Into::into),
    };
    let dup = client
        .create_employee(&new("张伟2", None, Some("zhang.wei@acme.cn")))
        .await
        .unwrap();
    assert_eq!(dup, EmployeeCreated::BoundToExisting(zhang));
    let created = client
        .create_employee(&new("王强", Some("13800000009"), None))
        .await
        .unwrap();
    assert!(matches!(created, EmployeeCreated::Created(_)));
    let err = client
        .create_employee(&new("", None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, JingError::Record(ref e) if e.code == ErrorCode::RequiredValueMissing),
        "{err:?}"
    );

    let mut contract = sim.contract();
    contract.page_size = 2;
    let mut cfg = config(&sim, SECRET);
    cfg.contract = contract;
    let (paged, _) = client_with(&sim, cfg, None);
    let (mut all, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let (page, next) = paged.list_employees(cursor.as_deref()).await.unwrap();
        assert!(page.len() <= 2);
        all.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(all.len(), 6);
    assert_eq!(calls(&sim, "employee_list"), 3);
}

fn one_lead(name: &str) -> jing::FieldValues {
    [("name".to_owned(), domain::Value::text(name))]
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_create_is_replayed_only_when_jing_certainly_did_not_apply_it() {
    let sim = sim().await;
    let mut cfg = config(&sim, SECRET);
    cfg.timeout = Duration::from_millis(300);
    let (client, _) = client_with(&sim, cfg, None);
    fields(&client).await.unwrap();
    // 503: not processed, so the create is retried and succeeds.
    sim.faults().fail_next(1);
    client
        .batch_create("lead", &[one_lead("甲")])
        .await
        .unwrap();
    assert_eq!(calls(&sim, "object_batch_create"), 2);
    // 500: maybe processed; replaying could duplicate, so the error goes to the caller.
    sim.faults().fail_next_with(1, 500);
    let err = client
        .batch_create("lead", &[one_lead("乙")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, JingError::Transient(ref e) if e.code == ErrorCode::RemoteUnavailable),
        "{err:?}"
    );
    assert_eq!(calls(&sim, "object_batch_create"), 3);
    // A timeout on a create is not replayed either; on an idempotent read it is.
    sim.faults().slow_next(1, Duration::from_secs(2));
    assert!(
        client
            .batch_create("lead", &[one_lead("丙")])
            .await
            .is_err()
    );
    assert_eq!(calls(&sim, "object_batch_create"), 4);
    sim.faults().fail_next_with(1, 500);
    fields(&client).await.unwrap();
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request() {
    let sim = sim().await;
    let (client, sink) = client(&sim);
    let calls_in_flight: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.field_metadata("account").await.map(|f| f.len()) })
        })
        .collect();
    for h in calls_in_flight {
        assert!(h.await.unwrap().unwrap() > 0);
    }
    assert_eq!(calls(&sim, "token"), 1);
    assert_eq!(sink.count(), 1);
}
