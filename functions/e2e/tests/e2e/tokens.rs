//! JING tokens fetched by the Lambda stack over a connect, an initialization and live traffic,
//! counted by the JING simulator (calls by kind). Every function of this stack runs in this one
//! test process, as a Lambda container is one process: the functions share one token per app
//! secret until it expires (`jing::TokenCache`).

use app::settings::InitState;
use fn_e2e::world::World;
use serde_json::json;

fn token_fetches(w: &World) -> u64 {
    let calls = w.jing.calls();
    ["token", "token_refresh"]
        .iter()
        .map(|k| calls.get(*k).copied().unwrap_or(0))
        .sum()
}

fn far_deadline() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    u64::try_from(now).expect("ms") + 900_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_jing_token_serves_init_and_live_traffic() {
    let w = World::connected(5).await;
    let after_connect = token_fetches(&w);
    for i in 0..30 {
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("郑{i}"), "Company": "成都数据有限公司"}),
            )
            .expect("lead");
        w.jing
            .human()
            .create_lead(json!({"name": format!("冯{i}"), "mobile": format!("137{i:08}"), "company_id": "重庆制造有限公司"}))
            .expect("lead");
    }
    let window = (w.clock_now() - time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let path = format!("/apps/{}/init", w.app);
    let body = json!({ "window_start": window });
    w.ok(reqwest::Method::POST, &path, Some(body)).await;
    let mut invocations = 0;
    while !matches!(w.settings().await.init, InitState::Done { .. }) {
        w.init_round(far_deadline()).await;
        w.drain().await;
        invocations += 1;
        assert!(invocations < 30, "initialization never finished");
    }
    w.drain().await;
    let after_init = token_fetches(&w);
    // Live traffic on both push paths.
    w.jing
        .human()
        .create_lead(
            json!({"name": "褚明", "mobile": "13600000001", "company_id": "重庆制造有限公司"}),
        )
        .expect("lead");
    w.sf.human()
        .create(
            "Lead",
            json!({"LastName": "卫东", "Company": "成都数据有限公司"}),
        )
        .expect("lead");
    for _ in 0..3 {
        w.jing.deliver_webhooks().await;
        w.sf.deliver_outbound().await;
        w.drain().await;
    }
    w.scheduled_poll().await;
    w.drain().await;
    let total = token_fetches(&w);
    println!(
        "JING token fetches: {after_connect} after connect, {after_init} after initialization \
         ({invocations} init invocations), {total} after live traffic and a scheduled poll; \
         JING calls by kind: {:?}",
        w.jing.calls()
    );
    assert!(w.jing.count("lead") >= 61, "the leads reached JING");
    assert_eq!(total, 1, "one token for the whole process until it expires");
}
