//! Initialization in chunks that hand over through the continuation queue; the scheduled poll.

use app::settings::InitState;
use fn_e2e::events::{scheduled_event, sqs_event};
use fn_e2e::world::World;
use fn_init_backfill::handler::{InitEvent, InitResponse, Limits, StartRequest, handle};
use serde_json::json;

fn far_deadline() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    u64::try_from(now).expect("ms") + 900_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialization_runs_in_chunks_through_the_continuation_queue() {
    let mut w = World::connected(5).await;
    for i in 0..3 {
        w.sf.human()
            .create("Account", json!({"Name": format!("南京软件有限公司 {i}")}))
            .expect("account");
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("孙{i}"), "Company": "苏州教育集团有限公司"}),
            )
            .expect("lead");
    }
    // One chunk per invocation, so the hand-over happens on every stage.
    w.init.limits = Limits {
        max_steps: 1,
        ..Limits::default()
    };
    let start = StartRequest {
        app: w.app.clone(),
        window_start: Some(w.clock_now() - time::Duration::days(365)),
        skip: false,
    };
    let started = handle(&w.init, InitEvent::Start(start), far_deadline())
        .await
        .expect("start");
    assert!(matches!(
        started,
        InitResponse::Started {
            state: InitState::Running { .. },
            ..
        }
    ));
    let url = w.stack.init.changes.clone();
    let arn = w.stack.queue_arn(&url).await;
    let mut invocations = 0;
    while !matches!(w.settings().await.init, InitState::Done { .. }) {
        let messages = w.stack.receive(&url, 30).await;
        assert_eq!(messages.len(), 1, "exactly one continuation is pending");
        let out = handle(
            &w.init,
            InitEvent::Continue(sqs_event(&arn, &messages)),
            far_deadline(),
        )
        .await
        .expect("continue");
        let InitResponse::Continued(batch) = out else {
            panic!("expected a batch response")
        };
        assert!(batch.batch_item_failures.is_empty());
        w.stack.delete_done(&url, &messages, &[]).await;
        invocations += 1;
        assert!(invocations < 20, "initialization never finished");
    }
    assert!(
        invocations >= 2,
        "handed over between invocations ({invocations})"
    );
    assert!(
        w.stack.receive(&url, 0).await.is_empty(),
        "no continuation after done"
    );
    let InitState::Done { records } = w.settings().await.init else {
        unreachable!()
    };
    assert!(records >= 6, "read the accounts and leads ({records})");
    assert!(
        w.drain().await >= 6,
        "the records reached the changes queue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_too_close_runs_no_chunk_and_hands_over() {
    let w = World::connected(5).await;
    let start = StartRequest {
        app: w.app.clone(),
        window_start: Some(w.clock_now() - time::Duration::days(30)),
        skip: false,
    };
    handle(&w.init, InitEvent::Start(start), far_deadline())
        .await
        .expect("start");
    let url = w.stack.init.changes.clone();
    let arn = w.stack.queue_arn(&url).await;
    let messages = w.stack.receive(&url, 30).await;
    assert_eq!(messages.len(), 1);
    // 10 s left: below the reserve, so no step runs and the work is handed over untouched.
    let soon = far_deadline() - 890_000;
    handle(
        &w.init,
        InitEvent::Continue(sqs_event(&arn, &messages)),
        soon,
    )
    .await
    .expect("continue");
    w.stack.delete_done(&url, &messages, &[]).await;
    assert!(matches!(
        w.settings().await.init,
        InitState::Running { done: 0, .. }
    ));
    assert_eq!(w.stack.receive(&url, 30).await.len(), 1, "handed over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_poll_covers_every_connected_app() {
    let w = World::connected(5).await;
    let poll = || async {
        let event =
            fn_sf_poller::handler::PollerEvent::Schedule(Box::new(scheduled_event("poller")));
        fn_sf_poller::handler::handle(&w.poller, event).await
    };
    // The first run only sets the cursors (history is the initialization's job).
    let first = poll().await;
    assert!(
        matches!(first, fn_sf_poller::handler::PollerResponse::Polled(ref s) if s.apps_polled == 1 && s.enqueued == 0)
    );
    let lead =
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": "高明", "Company": "西安金融有限公司"}),
            )
            .expect("lead");
    let out = poll().await;
    let fn_sf_poller::handler::PollerResponse::Polled(summary) = out else {
        panic!("expected a poll summary");
    };
    assert_eq!(summary.apps_polled, 1, "{summary:?}");
    assert!(summary.failed.is_empty());
    assert!(
        summary.enqueued >= 1,
        "the new lead was queued: {summary:?}"
    );
    w.drain().await;
    let bound = app::ports::BindingStore::by_sf(
        &w.writer.adapters.bindings,
        &w.app,
        domain::ObjectKind::Lead,
        &lead,
    )
    .await
    .expect("bindings");
    assert!(bound.is_some(), "the polled lead reached JING");
    // An idle run (nothing changed) must fit the schedule's budget: 48 runs a day (every 30
    // minutes) within 300 Salesforce calls a day for the two polled objects.
    let before = w.sf.calls().total;
    let idle = poll().await;
    let idle_calls = w.sf.calls().total - before;
    assert!(
        matches!(idle, fn_sf_poller::handler::PollerResponse::Polled(ref s) if s.enqueued == 0 && s.apps_polled == 1)
    );
    println!(
        "idle poll: {idle_calls} Salesforce calls per run, {} per day",
        idle_calls * 48
    );
    assert!(
        idle_calls * 48 <= 300,
        "idle poll costs {idle_calls} calls per run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_bulk_job_is_asked_again_after_a_pause_not_in_a_loop() {
    let mut w = World::connected(5).await;
    for i in 0..3 {
        w.sf.human()
            .create("Account", json!({"Name": format!("杭州网络有限公司 {i}")}))
            .expect("account");
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("周{i}"), "Company": "杭州网络有限公司"}),
            )
            .expect("lead");
    }
    let mut settings = w.settings().await;
    settings.init_bulk_threshold = 0; // every non-empty object over Bulk
    settings.revision += 1;
    w.put_settings(&settings).await;
    let wait = std::time::Duration::from_secs(3);
    w.init.limits = Limits {
        bulk_wait: wait,
        ..Limits::default()
    };
    let start = StartRequest {
        app: w.app.clone(),
        window_start: Some(w.clock_now() - time::Duration::days(365)),
        skip: false,
    };
    handle(&w.init, InitEvent::Start(start), far_deadline())
        .await
        .expect("start");
    let url = w.stack.init.changes.clone();
    let arn = w.stack.queue_arn(&url).await;
    let (mut invocations, mut delayed) = (0, 0);
    while !matches!(w.settings().await.init, InitState::Done { .. }) {
        let mut messages = w.stack.receive(&url, 30).await;
        if messages.is_empty() {
            // Only a delayed hand-over is invisible for a while; it shows up after `wait`.
            let asked = std::time::Instant::now();
            while messages.is_empty() {
                assert!(asked.elapsed() < wait * 5, "the continuation never came");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                messages = w.stack.receive(&url, 30).await;
            }
            delayed += 1;
        }
        let out = handle(
            &w.init,
            InitEvent::Continue(sqs_event(&arn, &messages)),
            far_deadline(),
        )
        .await
        .expect("continue");
        assert!(matches!(out, InitResponse::Continued(b) if b.batch_item_failures.is_empty()));
        w.stack.delete_done(&url, &messages, &[]).await;
        invocations += 1;
        assert!(invocations < 20, "initialization never finished");
    }
    let calls = w.sf.calls();
    assert_eq!(calls.kind("bulk_query_create"), 2, "accounts and leads");
    assert_eq!(
        calls.kind("bulk_query_status"),
        4,
        "two asks per job (the simulator completes on the second)"
    );
    // Each job: started → pause → InProgress → pause → complete and read.
    assert_eq!(delayed, 4, "{invocations} invocations");
    assert!(matches!(
        w.settings().await.init,
        InitState::Done { records: 6 }
    ));
    assert_eq!(w.drain().await, 6, "the records reached the changes queue");
}
