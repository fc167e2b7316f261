//! The simulator refuses what JING (per our contract) refuses, with the same codes and envelope.

use jing::contract::{HEADER_ACCESS_TOKEN, HEADER_APP_ID, codes};
use jing_sim::{JingSim, JingSimConfig};
use serde_json::{Value as Json, json};
use std::time::Duration;

const APP: &str = "202305171108447827375161344";
const SECRET: &str = "c32501b33424473daebb9d43ccc37c57";

struct Raw {
    sim: JingSim,
    http: reqwest::Client,
}

impl Raw {
    async fn new() -> Self {
        Self {
            sim: JingSim::start(JingSimConfig::new(APP, SECRET))
                .await
                .unwrap(),
            http: reqwest::Client::new(),
        }
    }
    async fn post(&self, path: &str, token: Option<&str>, body: Json) -> (u16, Json) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.sim.base_url()))
            .json(&body);
        if let Some(t) = token {
            req = req
                .header(HEADER_APP_ID, APP)
                .header(HEADER_ACCESS_TOKEN, t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Json::Null))
    }
    async fn token(&self) -> Json {
        let (_, env) = self
            .post(
                "/v1/oauth2/token",
                None,
                json!({"app_id": APP, "app_secret": SECRET}),
            )
            .await;
        assert_eq!(env["code"], 0, "{env}");
        env["data"].clone()
    }
    async fn access(&self) -> String {
        self.token().await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test]
async fn the_envelope_and_token_answer_have_the_documented_shape() {
    let raw = Raw::new().await;
    let (status, env) = raw
        .post(
            "/v1/oauth2/token",
            None,
            json!({"app_id": APP, "app_secret": SECRET}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (env["code"].as_i64(), env["msg"].as_str()),
        (Some(0), Some("success"))
    );
    let rid = env["request_id"].as_str().unwrap();
    assert!(
        rid.len() == 32 && rid.chars().all(|c| c.is_ascii_hexdigit()),
        "{rid}"
    );
    assert!(
        env["timestamp"].as_i64().unwrap() > 1_700_000_000_000,
        "timestamp is epoch ms"
    );
    let d = &env["data"];
    assert_eq!(
        (
            d["scope"].as_str(),
            d["token_type"].as_str(),
            d["expires_in"].as_u64()
        ),
        (Some("all"), Some("bearer"), Some(7200))
    );
    assert_eq!(d["access_token"].as_str().unwrap().len(), 36, "UUID-shaped");
}

#[tokio::test]
async fn bad_credentials_and_tokens_get_their_codes() {
    let raw = Raw::new().await;
    let (_, env) = raw
        .post(
            "/v1/oauth2/token",
            None,
            json!({"app_id": APP, "app_secret": "nope"}),
        )
        .await;
    assert_eq!(env["code"], codes::INVALID_CREDENTIALS);
    let body = json!({"object_name": "lead"});
    let (_, env) = raw.post("/v1/crm/object/fields", None, body.clone()).await;
    assert_eq!(env["code"], codes::INVALID_CREDENTIALS, "no app_id header");
    let (_, env) = raw
        .post(
            "/v1/crm/object/fields",
            Some("535eda1d-a06e-42f9-958f-d244ae72b646"),
            body.clone(),
        )
        .await;
    assert_eq!(env["code"], codes::ACCESS_TOKEN_INVALID);
    assert!(env["data"].is_null());
    let access = raw.access().await;
    assert_eq!(
        raw.post("/v1/crm/object/fields", Some(&access), body.clone())
            .await
            .1["code"],
        0
    );
    raw.sim.clock().advance(Duration::from_secs(7201));
    assert_eq!(
        raw.post("/v1/crm/object/fields", Some(&access), body)
            .await
            .1["code"],
        codes::ACCESS_TOKEN_INVALID
    );
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_dies() {
    let raw = Raw::new().await;
    let old = raw.token().await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = |rt: &str| json!({"app_id": APP, "app_secret": SECRET, "refresh_token": rt});
    let (_, env) = raw
        .post("/v1/oauth2/token/refresh", None, refresh(&old))
        .await;
    assert_eq!(env["code"], 0);
    assert_ne!(env["data"]["refresh_token"].as_str().unwrap(), old);
    let (_, env) = raw
        .post("/v1/oauth2/token/refresh", None, refresh(&old))
        .await;
    assert_eq!(env["code"], codes::REFRESH_TOKEN_INVALID);
    // A fresh pair, then 30 days later its refresh token is dead too.
    let rt = raw.token().await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    raw.sim
        .clock()
        .advance(Duration::from_secs(30 * 24 * 3600 + 1));
    assert_eq!(
        raw.post("/v1/oauth2/token/refresh", None, refresh(&rt))
            .await
            .1["code"],
        codes::REFRESH_TOKEN_INVALID
    );
}

#[tokio::test]
async fn records_are_validated_like_jing_validates_them() {
    let raw = Raw::new().await;
    let t = raw.access().await;
    let create = |records: Json| json!({"object_name": "lead", "records": records});
    let (_, env) = raw
        .post(
            "/v1/crm/object/batch_create",
            Some(&t),
            create(json!([
                {"fields": {"mobile": "13800138000"}},
                {"fields": {"name": "A", "life_status": "vip"}},
                {"fields": {"name": "B", "industry": "mining"}},
                {"fields": {"name": "C", "to_baby_lead_timestamp": "2023/02/27"}},
                {"fields": {"name": "x".repeat(81)}},
                {"fields": {"name": 42}},
                {"fields": {"name": "D", "mobile": "138-0013-8000"}},
            ])),
        )
        .await;
    let failures = env["data"]["failure"].as_array().unwrap();
    let code_of = |i: usize| {
        failures
            .iter()
            .find(|f| f["index"] == i)
            .map(|f| (f["code"].as_i64().unwrap(), f["field"].clone()))
    };
    assert_eq!(
        code_of(0),
        Some((codes::REQUIRED_FIELD_MISSING, json!("name")))
    );
    assert_eq!(
        code_of(1),
        Some((codes::INVALID_OPTION, json!("life_status")))
    );
    assert_eq!(code_of(2), Some((codes::INVALID_OPTION, json!("industry"))));
    assert_eq!(
        code_of(3),
        Some((codes::INVALID_VALUE, json!("to_baby_lead_timestamp")))
    );
    assert_eq!(code_of(4), Some((codes::INVALID_VALUE, json!("name"))));
    assert_eq!(code_of(5), Some((codes::INVALID_VALUE, json!("name"))));
    assert_eq!(env["data"]["success"].as_array().unwrap().len(), 1);
    assert_eq!(raw.sim.count("lead"), 1);

    let too_many: Vec<Json> = (0..101)
        .map(|i| json!({"fields": {"name": format!("n{i}")}}))
        .collect();
    let (_, env) = raw
        .post(
            "/v1/crm/object/batch_create",
            Some(&t),
            create(Json::Array(too_many)),
        )
        .await;
    assert_eq!(env["code"], codes::BAD_REQUEST);
    let (_, env) = raw
        .post(
            "/v1/crm/object/batch_create",
            Some(&t),
            json!({"object_name": "contact", "records": [{"fields": {}}]}),
        )
        .await;
    assert_eq!(env["code"], codes::BAD_REQUEST);
    let (_, env) = raw
        .post(
            "/v1/crm/object/list",
            Some(&t),
            json!({"object_name": "lead", "updated_since": 0, "page_size": 500}),
        )
        .await;
    assert_eq!(env["code"], codes::BAD_REQUEST);
    let (_, env) = raw
        .post(
            "/v1/crm/object/list",
            Some(&t),
            json!({"object_name": "lead", "updated_since": 0, "cursor": "garbage"}),
        )
        .await;
    assert_eq!(env["code"], codes::BAD_REQUEST);
}

#[tokio::test]
async fn malformed_bodies_and_injected_faults() {
    let raw = Raw::new().await;
    let resp = raw
        .http
        .post(format!("{}/v1/oauth2/token", raw.sim.base_url()))
        .body("{oops")
        .send()
        .await
        .unwrap();
    let env: Json = resp.json().await.unwrap();
    assert_eq!(env["code"], codes::BAD_REQUEST);
    raw.sim.faults().fail_next(1);
    let resp = raw
        .http
        .post(format!("{}/v1/oauth2/token", raw.sim.base_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(
        resp.text().await.unwrap().contains("<html>"),
        "a gateway error, not an envelope"
    );
    raw.sim
        .faults()
        .throttle(Some(1), jing_sim::ThrottleAnswer::Http429);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            raw.post(
                "/v1/oauth2/token",
                None,
                json!({"app_id": APP, "app_secret": SECRET}),
            )
            .await,
        );
    }
    // Within one second only the first passes (allowing for a second boundary in between).
    let limited: Vec<_> = statuses
        .iter()
        .filter(|(s, env)| *s == 429 && env["code"] == codes::THROTTLED)
        .collect();
    assert!(!limited.is_empty(), "{statuses:?}");
    assert_eq!(raw.sim.calls()["token"], 5);
}

#[tokio::test]
async fn duplicate_rules_follow_updates_and_invalidation() {
    let raw = Raw::new().await;
    let h = raw.sim.human();
    let a = h
        .create_lead(json!({"name": "A", "mobile": "13800000001"}))
        .unwrap();
    let dup = h
        .create_lead(json!({"name": "B", "mobile": "+86 138 0000 0001"}))
        .unwrap_err();
    assert_eq!(
        (dup.code, dup.existing_id.as_deref()),
        (codes::DUPLICATE, Some(a.as_str()))
    );
    h.invalidate("lead", &a).unwrap();
    let b = h
        .create_lead(json!({"name": "B", "mobile": "13800000001"}))
        .unwrap();
    h.update("lead", &b, json!({"mobile": "13800000002"}))
        .unwrap();
    h.create_lead(json!({"name": "C", "mobile": "13800000001"}))
        .unwrap();
    let dup = h
        .create_lead(json!({"name": "D", "email": "x@y.cn", "mobile": "13800000002"}))
        .unwrap_err();
    assert_eq!(dup.existing_id.as_deref(), Some(b.as_str()));
    // A lead and an account may share a name: rules are per object.
    h.create_account(json!({"company_id": "B"})).unwrap();
    assert_eq!(
        h.create_account(json!({"company_id": " b "}))
            .unwrap_err()
            .code,
        codes::DUPLICATE
    );
    assert_eq!(raw.sim.count("lead"), 2);
}

/// `/v1/crm/object/list` as our contract defines it (JING's real filter and paging are not in
/// the reference): `updated_since` required, inclusive, epoch ms; (updated_time, entity_id)
/// order; invalidated records listed; a cursor only continues its own listing.
#[tokio::test]
async fn the_change_list_filters_orders_and_pages_strictly() {
    let raw = Raw::new().await;
    let t = raw.access().await;
    let list = |body: Json| raw.post("/v1/crm/object/list", Some(&t), body);
    for bad in [
        json!({"object_name": "lead"}),
        json!({"object_name": "lead", "updated_since": -1}),
        json!({"object_name": "lead", "updated_since": "2024-05-01"}),
        json!({"object_name": "lead", "updated_since": 1.5}),
    ] {
        let (_, env) = list(bad.clone()).await;
        assert_eq!(env["code"], codes::BAD_REQUEST, "{bad}: {env}");
    }
    // b and c must share a millisecond: no real time passes between them.
    raw.sim.clock().freeze();
    let human = raw.sim.human();
    let a = human.create_lead(json!({"name": "甲"})).unwrap();
    raw.sim.clock().advance(Duration::from_millis(5));
    let stamp = raw.sim.record("lead", &a).unwrap().updated_ms + 5;
    let b = human.create_lead(json!({"name": "乙"})).unwrap();
    let c = human.create_lead(json!({"name": "丙"})).unwrap();
    raw.sim.clock().advance(Duration::from_millis(5));
    human.invalidate("lead", &a).unwrap();
    let page = |since: i64, size: u64, cursor: Option<&str>| {
        let mut body = json!({"object_name": "lead", "updated_since": since, "page_size": size});
        if let Some(c) = cursor {
            body["cursor"] = json!(c);
        }
        list(body)
    };
    // At `stamp` exactly: b and c (same millisecond, by id), then a (invalidated later).
    let (_, first) = page(stamp, 2, None).await;
    let ids = |env: &Json| -> Vec<String> {
        env["data"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["entity_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut same_ms = vec![b.to_string(), c.to_string()];
    same_ms.sort();
    assert_eq!(ids(&first), same_ms, "{first}");
    let cursor = first["data"]["next_cursor"].as_str().unwrap().to_owned();
    let (_, rest) = page(stamp, 2, Some(&cursor)).await;
    assert_eq!(ids(&rest), vec![a.to_string()]);
    assert_eq!(rest["data"]["list"][0]["invalid"], json!(true));
    assert_eq!(rest["data"]["next_cursor"], Json::Null);
    // One millisecond later only the invalidation is left.
    let (_, later) = page(stamp + 1, 200, None).await;
    assert_eq!(ids(&later), vec![a.to_string()]);
    // The cursor continues its own listing only.
    let (_, env) = page(stamp + 1, 2, Some(&cursor)).await;
    assert_eq!(env["code"], codes::BAD_REQUEST, "{env}");
    let mut other = json!({"object_name": "account", "updated_since": stamp, "cursor": cursor});
    other["page_size"] = json!(2);
    let (_, env) = list(other).await;
    assert_eq!(env["code"], codes::BAD_REQUEST, "{env}");
}
