//! Quota exhaustion parks the change; the next quota day, the quota-reset function re-drives it
//! and the writer applies it.

use app::settings::InitState;
use domain::ObjectKind;
use domain::datetime::JING_OFFSET;
use domain::quota::quota_day;
use fn_e2e::events::scheduled_event;
use fn_e2e::world::World;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_quota_parks_and_the_reset_redrives() {
    let w = World::connected(5).await;
    let a = w.ports();
    let day = quota_day(w.clock_now(), JING_OFFSET);
    let used = a.quota.used(&w.app, day).await.expect("used");
    let normal = w.settings().await.allocation.daily;
    let allocation = format!("/apps/{}/allocation", w.app);
    // Spent: every further Salesforce call is refused.
    w.ok(Method::PUT, &allocation, Some(json!({ "daily": used })))
        .await;

    let jing_id = w
        .jing
        .human()
        .create_lead(json!({"name": "周杰", "mobile": "13700137000", "company_id": "成都物流股份有限公司", "title": "CEO"}))
        .expect("lead");
    w.jing.deliver_webhooks().await;
    let (handed, response) = w.writer_round().await;
    assert!(handed >= 1);
    assert!(
        response.batch_item_failures.is_empty(),
        "parking is not a failure"
    );
    assert_eq!(
        a.parked.count(&w.app).await.expect("count"),
        1,
        "the change is parked"
    );
    assert!(
        a.bindings
            .by_jing(&w.app, ObjectKind::Lead, &jing_id)
            .await
            .expect("b")
            .is_none()
    );

    // The next quota day, with the allocation back.
    w.clock.shift(time::Duration::days(1));
    w.ok(Method::PUT, &allocation, Some(json!({ "daily": normal })))
        .await;
    let summary = fn_quota_reset::handler::handle(&w.f.quota, scheduled_event("quota-reset"))
        .await
        .expect("reset");
    assert_eq!(summary.requeued, 1, "{summary:?}");
    assert_eq!(summary.still_parked, 0);
    assert!(summary.failed.is_empty());
    w.drain().await;
    let binding = a
        .bindings
        .by_jing(&w.app, ObjectKind::Lead, &jing_id)
        .await
        .expect("bindings")
        .expect("applied after the reset");
    assert_eq!(
        w.sf.record("Lead", &binding.sf_id).expect("lead")["Title"],
        json!("CEO")
    );
}

/// The live reserve: with the initialization's share spent, an initialization step makes no
/// Salesforce call, while a live JING edit still reaches Salesforce from the reserve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initialization_cannot_spend_the_live_reserve() {
    let w = World::connected(5).await;
    let a = w.ports();
    let day = quota_day(w.clock_now(), JING_OFFSET);
    for i in 0..3 {
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": format!("钱{i}"), "Company": "无锡机械有限公司"}),
            )
            .expect("lead");
    }
    let window = (w.clock_now() - time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let started = w
        .ok(
            Method::POST,
            &format!("/apps/{}/init", w.app),
            Some(json!({ "window_start": window })),
        )
        .await;
    assert_eq!(started["init"]["state"], "running", "{started}");
    let used = a.quota.used(&w.app, day).await.expect("used");
    // 90 % of the allocation is the reserve, and the other 10 % is already spent.
    assert!(used >= 3, "connecting and counting spent calls ({used})");
    let daily = used + 20;
    let saved = w
        .ok(
            Method::PUT,
            &format!("/apps/{}/allocation", w.app),
            Some(json!({ "daily": daily, "live_reserve_pct": 90 })),
        )
        .await;
    assert_eq!(saved["allocation"]["live_reserve_pct"], 90, "{saved}");
    let overview = w
        .ok(Method::GET, &format!("/apps/{}/status", w.app), None)
        .await;
    let lanes = &overview["usage"]["lanes"];
    let allowance = daily / 10;
    assert!(allowance < used);
    assert_eq!(lanes["initialization_allowance"], allowance, "{overview}");
    assert_eq!(lanes["live_reserve"], daily - allowance, "{overview}");

    let sf_calls = w.sf.calls().total;
    w.init_round(u64::MAX).await;
    assert_eq!(
        w.sf.calls().total,
        sf_calls,
        "the initialization made no call from the live reserve"
    );
    assert!(matches!(w.settings().await.init, InitState::Running { .. }));

    let jing_id = w
        .jing
        .human()
        .create_lead(
            json!({"name": "吴芳", "mobile": "13900139000", "company_id": "无锡机械有限公司"}),
        )
        .expect("lead");
    w.jing.deliver_webhooks().await;
    w.drain().await;
    assert!(
        a.bindings
            .by_jing(&w.app, ObjectKind::Lead, &jing_id)
            .await
            .expect("bindings")
            .is_some(),
        "the live change was written from the reserve"
    );
    assert!(a.quota.used(&w.app, day).await.expect("used") > used);
}
