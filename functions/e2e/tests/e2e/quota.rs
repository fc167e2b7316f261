//! Quota exhaustion parks the change; the next quota day, the quota-reset function re-drives it
//! and the writer applies it.

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
