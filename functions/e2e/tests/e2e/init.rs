//! Initialization started from the admin API and run in chunks that hand over through the init
//! queue; the scheduled poll.

use app::settings::InitState;
use fn_e2e::world::World;
use fn_init_backfill::handler::Limits;
use serde_json::json;

/// Start the initialization through the admin API (window one year back).
async fn start_init(w: &World, days: i64) -> serde_json::Value {
    let window = w.clock_now() - time::Duration::days(days);
    let window = window
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    w.ok(
        reqwest::Method::POST,
        &format!("/apps/{}/init", w.app),
        Some(json!({ "window_start": window })),
    )
    .await
}

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
    w.f.init.limits = Limits {
        max_steps: 1,
        ..Limits::default()
    };
    let started = start_init(&w, 365).await;
    assert_eq!(started["init"]["state"], "running", "{started}");
    let mut invocations = 0;
    while !matches!(w.settings().await.init, InitState::Done { .. }) {
        let handed = w.init_round(far_deadline()).await;
        assert_eq!(handed, 1, "exactly one run request is pending");
        invocations += 1;
        assert!(invocations < 20, "initialization never finished");
    }
    assert!(
        invocations >= 2,
        "handed over between invocations ({invocations})"
    );
    assert!(
        w.stack.receive(&w.stack.init.changes, 0).await.is_empty(),
        "no run request after done"
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
    start_init(&w, 30).await;
    // 10 s left: below the reserve, so no step runs and the work is handed over untouched.
    let soon = far_deadline() - 890_000;
    assert_eq!(w.init_round(soon).await, 1);
    assert!(matches!(
        w.settings().await.init,
        InitState::Running { done: 0, .. }
    ));
    assert_eq!(
        w.stack.receive(&w.stack.init.changes, 30).await.len(),
        1,
        "handed over"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_poll_covers_every_connected_app() {
    let w = World::connected(5).await;
    let poll = || w.scheduled_poll();
    // The first run only sets the cursors (history is the initialization's job).
    let first = poll().await;
    assert!(first.apps_polled == 1 && first.enqueued == 0, "{first:?}");
    let lead =
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": "高明", "Company": "西安金融有限公司"}),
            )
            .expect("lead");
    let summary = poll().await;
    assert_eq!(summary.apps_polled, 1, "{summary:?}");
    assert!(summary.failed.is_empty());
    assert!(
        summary.enqueued >= 1,
        "the new lead was queued: {summary:?}"
    );
    w.drain().await;
    let bound = app::ports::BindingStore::by_sf(
        w.ports().bindings.as_ref(),
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
    assert!(idle.enqueued == 0 && idle.apps_polled == 1, "{idle:?}");
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
    // Every non-empty object over Bulk, set as an admin would.
    let patched = w
        .ok(
            reqwest::Method::PATCH,
            &format!("/apps/{}", w.app),
            Some(json!({ "init_bulk_threshold": 0 })),
        )
        .await;
    assert_eq!(patched["init_bulk_threshold"], 0, "{patched}");
    let wait = std::time::Duration::from_secs(3);
    w.f.init.limits = Limits {
        bulk_wait: wait,
        ..Limits::default()
    };
    start_init(&w, 365).await;
    let (mut invocations, mut delayed) = (0, 0);
    while !matches!(w.settings().await.init, InitState::Done { .. }) {
        let mut handed = w.init_round(far_deadline()).await;
        if handed == 0 {
            // Only a delayed hand-over is invisible for a while; it shows up after `wait`.
            let asked = std::time::Instant::now();
            while handed == 0 {
                assert!(asked.elapsed() < wait * 5, "the run request never came");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                handed = w.init_round(far_deadline()).await;
            }
            delayed += 1;
        }
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
