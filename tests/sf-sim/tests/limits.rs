//! API allocation, Sforce-Limit-Info, fault injection.

mod common;
use common::*;
use sf_sim::Fault;

#[tokio::test]
async fn every_rest_response_carries_limit_info_and_exhaustion_is_403() {
    let env = Env::with(SimConfig {
        daily_api_limit: 3,
        ..SimConfig::default()
    })
    .await;
    for expected in 1..=3 {
        let resp = env
            .req(reqwest::Method::GET, "/limits")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["sforce-limit-info"],
            format!("api-usage={expected}/3").as_str()
        );
    }
    let resp = env
        .req(reqwest::Method::GET, "/limits")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["sforce-limit-info"], "api-usage=3/3");
    let (_, body) = split(resp).await;
    assert_eq!(
        body,
        serde_json::json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED", "fields": []}])
    );
    env.sim.reset_usage();
    let (status, body) = env.get("/limits").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["DailyApiRequests"],
        serde_json::json!({"Max": 3, "Remaining": 2})
    );
    // Errors count too; /services/data/ does not.
    env.get("/sobjects/Lead/bad-id").await;
    let resp = env
        .http
        .get(format!("{}/services/data/", env.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("sforce-limit-info").is_none());
    assert_eq!(env.sim.api_usage().used, 2);
}

#[tokio::test]
async fn injected_outages_then_recovery() {
    let env = Env::new().await;
    env.sim.faults().fail_next(1, Fault::ServiceUnavailable);
    env.sim.faults().fail_next(1, Fault::ServiceUnavailableHtml);
    let (status, body) = env.get("/limits").await;
    assert_eq!(status, 503);
    assert_eq!(error_of(&body).0, "SERVER_UNAVAILABLE");
    let resp = env
        .req(reqwest::Method::GET, "/limits")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.text().await.unwrap().starts_with("<html>"));
    let (status, _) = env.get("/limits").await;
    assert_eq!(status, 200);
    assert_eq!(
        env.sim.api_usage().used,
        1,
        "failed requests did not reach the org"
    );
}

#[tokio::test]
async fn single_record_lock_fault_is_400_unable_to_lock_row() {
    let env = Env::new().await;
    let id = env.lead("A", "Acme", None).await;
    env.sim.faults().lock_rows(1);
    let (status, body) = env
        .patch(
            &format!("/sobjects/Lead/{id}"),
            &serde_json::json!({"Title": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "UNABLE_TO_LOCK_ROW".into(),
            format!("unable to obtain exclusive access to this record or 1 records: {id}")
        )
    );
    let (status, _) = env
        .patch(
            &format!("/sobjects/Lead/{id}"),
            &serde_json::json!({"Title": "x"}),
        )
        .await;
    assert_eq!(status, 204);
}
