//! The circuit breaker through the admin API on the Lambda stack: thresholds set per app, a
//! mass overwrite made in Salesforce trips it, the held changes are listed, and discarding them
//! opens the direction again without writing them.

use domain::ObjectKind;
use fn_e2e::world::World;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mass_overwrite_is_held_listed_and_discarded() {
    let w = World::connected(5).await;
    let breaker = format!("/apps/{}/breaker", w.app);
    let bad = w
        .api(
            Method::PUT,
            &breaker,
            Some(json!({"share_pct": 20, "min_records": 0})),
        )
        .await;
    assert_eq!(bad.0, 400, "a zero minimum is refused: {}", bad.1);
    let limits =
        json!({"share_pct": 20, "overwrite_share_pct": 50, "min_records": 3, "window_minutes": 60});
    let saved = w.ok(Method::PUT, &breaker, Some(limits.clone())).await;
    assert_eq!(saved["breaker"], limits, "{saved}");

    let leads: Vec<_> = (0..5)
        .map(|i| {
            let fields = json!({"LastName": format!("郑{i}"), "Company": "常州电子有限公司", "Title": "经理"});
            w.sf.human().create("Lead", fields).expect("lead")
        })
        .collect();
    w.sf.deliver_outbound().await;
    w.drain().await;
    for id in &leads[..4] {
        w.sf.human()
            .update("Lead", id, json!({"Title": "总监"}))
            .expect("update");
    }
    w.sf.deliver_outbound().await;
    w.drain().await;

    let status = w
        .ok(Method::GET, &format!("/apps/{}/status", w.app), None)
        .await;
    assert_eq!(
        status["paused"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    let held = w
        .ok(
            Method::GET,
            &format!("/apps/{}/held?object=lead&direction=sf_to_jing", w.app),
            None,
        )
        .await;
    assert_eq!(held["paused"], true, "{held}");
    assert_eq!(held["total"], 4, "{held}");
    assert!(
        held["items"][0]["fields"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("Title"))),
        "{held}"
    );
    let discarded = w
        .ok(
            Method::POST,
            &format!("/apps/{}/discard", w.app),
            Some(json!({"object": "lead", "direction": "sf_to_jing"})),
        )
        .await;
    assert_eq!(discarded, json!({"discarded": 4, "was_paused": true}));
    let status = w
        .ok(Method::GET, &format!("/apps/{}/status", w.app), None)
        .await;
    assert_eq!(status["paused"], json!([]), "{status}");
    for id in &leads[..4] {
        let b = w
            .ports()
            .bindings
            .by_sf(&w.app, ObjectKind::Lead, id)
            .await
            .expect("bindings")
            .expect("bound");
        let jing = w.jing.record("lead", &b.jing_id).expect("JING lead");
        assert_eq!(
            jing.fields.get("title"),
            Some(&json!("经理")),
            "never written"
        );
    }
}
