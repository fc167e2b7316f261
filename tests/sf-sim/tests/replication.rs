//! getUpdated / getDeleted and the SystemModstamp hook.

mod common;
use common::*;
use domain::datetime::{format_sf, parse_sf};
use serde_json::json;
use std::time::Duration;

fn window(env: &Env, kind: &str, start: &str, end: &str) -> reqwest::RequestBuilder {
    env.req(reqwest::Method::GET, &format!("/sobjects/Lead/{kind}/"))
        .query(&[("start", start), ("end", end)])
}

#[tokio::test]
async fn updated_and_deleted_cover_whole_minutes() {
    let env = Env::new().await;
    let kept = env.lead("Kept", "Acme", None).await;
    let gone = env.lead("Gone", "Acme", None).await;
    env.delete(&format!("/sobjects/Lead/{gone}")).await;
    env.sim.advance_clock(Duration::from_secs(180));
    let (_, rec) = env.get(&format!("/sobjects/Lead/{kept}")).await;
    let stamp = parse_sf(rec["SystemModstamp"].as_str().unwrap()).unwrap();
    let start = format_sf(stamp - time::Duration::minutes(2));
    let end = format_sf(stamp + time::Duration::minutes(10));
    let (status, body) = send(window(&env, "updated", &start, &end)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ids"], json!([kept]));
    let covered = body["latestDateCovered"].as_str().unwrap();
    assert!(
        covered.ends_with(":00.000+0000"),
        "whole minutes: {covered}"
    );
    assert!(
        parse_sf(covered).unwrap() <= stamp + time::Duration::minutes(4),
        "capped at now"
    );
    let (status, body) = send(window(&env, "deleted", &start, &end)).await;
    assert_eq!(status, 200);
    assert_eq!(body["deletedRecords"][0]["id"], gone.as_str());
    assert!(
        body["earliestDateAvailable"]
            .as_str()
            .unwrap()
            .ends_with(":00.000+0000")
    );
    // Seconds are ignored: start and end in the same minute is an error.
    let same_minute = format_sf(stamp.replace_second(10).unwrap());
    let later_same_minute = format_sf(stamp.replace_second(50).unwrap());
    let (status, body) = send(window(&env, "updated", &same_minute, &later_same_minute)).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "INVALID_REPLICATION_DATE");
    let old = format_sf(stamp - time::Duration::days(31));
    let (status, _) = send(window(&env, "updated", &old, &end)).await;
    assert_eq!(status, 400);
    env.sim.empty_recycle_bin();
    let (_, body) = send(window(&env, "deleted", &start, &end)).await;
    assert_eq!(body["deletedRecords"], json!([]));
    // Deletes before the purge are lost: earliestDateAvailable moves past the window's start.
    let earliest = parse_sf(body["earliestDateAvailable"].as_str().unwrap()).unwrap();
    assert!(earliest > parse_sf(&start).unwrap(), "{body}");
}

#[tokio::test]
async fn the_recycle_bin_keeps_deleted_rows_fifteen_days() {
    let mut env = Env::new().await;
    let gone = env.lead("Gone", "Acme", None).await;
    env.delete(&format!("/sobjects/Lead/{gone}")).await;
    let id = domain::ids::SfId::parse(&gone).unwrap();
    let in_bin = format!("SELECT Id FROM Lead WHERE Id = '{gone}'");
    let query_all = |env: &Env| {
        send(
            env.req(reqwest::Method::GET, "/queryAll")
                .query(&[("q", in_bin.as_str())]),
        )
    };
    env.sim.advance_clock(Duration::from_secs(14 * 86_400));
    env.token = env.sim.access_token(); // sessions do not last two weeks
    let (status, body) = query_all(&env).await;
    assert_eq!(
        (status, body["totalSize"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    env.sim.advance_clock(Duration::from_secs(2 * 86_400));
    env.token = env.sim.access_token();
    let (status, body) = query_all(&env).await;
    assert_eq!(
        (status, body["totalSize"].as_u64()),
        (200, Some(0)),
        "erased: {body}"
    );
    assert!(env.sim.record("Lead", &id).is_none());
}

#[tokio::test]
async fn system_modstamp_can_move_alone() {
    let env = Env::new().await;
    let id = env.lead("A", "Acme", None).await;
    let (_, before) = env.get(&format!("/sobjects/Lead/{id}")).await;
    env.sim.advance_clock(Duration::from_secs(61));
    env.sim
        .touch_system_modstamp("Lead", &domain::ids::SfId::parse(&id).unwrap())
        .unwrap();
    let (_, after) = env.get(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(after["LastModifiedDate"], before["LastModifiedDate"]);
    assert!(after["SystemModstamp"].as_str().unwrap() > before["SystemModstamp"].as_str().unwrap());
    let (_, body) = env
        .query(&format!(
            "SELECT Id FROM Lead WHERE SystemModstamp > {}",
            domain::datetime::format_soql(
                parse_sf(before["SystemModstamp"].as_str().unwrap()).unwrap()
            )
        ))
        .await;
    assert_eq!(body["totalSize"], 1);
}
