//! Intake never panics: arbitrary bytes and mutated samples get a typed answer.

use domain::AppId;
use jingsf_jing::{AppWebhookConfig, WebhookRequest, verify_and_parse};
use proptest::prelude::*;
use serde_json::Value as Json;

const LEAD_CREATE: &str = include_str!("fixtures/lead_object_create.json");

fn app() -> AppWebhookConfig {
    AppWebhookConfig::new(AppId::parse("acme").unwrap(), "tok")
}

fn run(body: &[u8]) -> Option<u16> {
    let req = WebhookRequest {
        url_token: "tok",
        headers: &[],
        body,
    };
    verify_and_parse(&app(), &req, time::OffsetDateTime::now_utc())
        .err()
        .map(|e| e.status)
}

/// Replace the value at a path of object keys with `v`.
fn replace(doc: &mut Json, path: &[&str], v: Json) {
    let mut at = doc;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = v;
}

fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        ".{0,12}".prop_map(Json::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_get_a_status_not_a_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let status = run(&body);
        prop_assert!(status.is_none_or(|s| [400, 413, 422].contains(&s)), "{status:?}");
    }

    #[test]
    fn mutated_samples_get_a_status_not_a_panic(
        which in 0usize..7,
        v in any_json(),
    ) {
        let paths: [&[&str]; 7] = [
            &["create_time"], &["mid"], &["action_keyword"], &["extra_data", "mapping_data"],
            &["extra_data", "entity_id"], &["extra_data", "operator_id"],
            &["extra_data", "mapping_data", "name"],
        ];
        let mut doc: Json = serde_json::from_str(LEAD_CREATE).unwrap();
        replace(&mut doc, paths[which], v);
        let status = run(&serde_json::to_vec(&doc).unwrap());
        prop_assert!(status.is_none_or(|s| [400, 422].contains(&s)), "{status:?}");
    }
}
