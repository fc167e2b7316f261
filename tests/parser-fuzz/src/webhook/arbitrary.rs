//! Bodies mutated from real ones, nested past any recursion limit, and wholly arbitrary
//! requests: a typed answer every time, and acceptance only when it is deserved.

use domain::RecordRef;
use jing::WebhookRequest;
use jing::webhook::auth::sign;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value as Json;

use super::model::{any_json, event};
use super::{ACCOUNT_UPDATE, Delivery, LEAD_CREATE, NOW, TOLERANCE, app, deliver, recase};
use crate::mutate::{apply, mutations};
use crate::{check, depth, re};

/// Where a value is replaced or a key removed.
const PATHS: &[&[&str]] = &[
    &["create_time"],
    &["mid"],
    &["action_keyword"],
    &["event_type"],
    &["event_category"],
    &["extra_data"],
    &["extra_data", "mapping_data"],
    &["extra_data", "entity_id"],
    &["extra_data", "object_name"],
    &["extra_data", "operator_id"],
    &["extra_data", "operator_type"],
    &["extra_data", "owner"],
    &["extra_data", "mapping_data", "name"],
    &["extra_data", "mapping_data", "owner"],
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "-",
    "1e999",
    "\\ud800",
    "\"mid\":1",
];

/// The documented samples and generated events.
fn real_body() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(serde_json::from_str::<Json>(LEAD_CREATE).unwrap()),
        Just(serde_json::from_str::<Json>(ACCOUNT_UPDATE).unwrap()),
        event().prop_map(|e| e.to_json()),
    ]
}

/// `doc` with the value at `path` replaced by `v`, or removed when `v` is `None`.
fn edit(mut doc: Json, path: &[&str], v: Option<Json>) -> Json {
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut doc;
    for key in parents {
        at = &mut at[*key];
    }
    match (v, at.as_object_mut()) {
        (Some(v), _) => at[*last] = v,
        (None, Some(obj)) => drop(obj.remove(*last)),
        (None, None) => {}
    }
    doc
}

/// Real bodies with a JSON value replaced, a key removed, or bytes mutated; and bodies nested
/// deeper than any parser's recursion.
fn mutated_body() -> impl Strategy<Value = Vec<u8>> {
    let json_edit = (
        real_body(),
        prop::sample::select(PATHS),
        proptest::option::of(any_json()),
    )
        .prop_map(|(doc, path, v)| serde_json::to_vec(&edit(doc, path, v)).unwrap());
    let byte_edit = (real_body(), mutations(JSON_TOKENS, 4))
        .prop_map(|(doc, ms)| apply(&serde_json::to_vec(&doc).unwrap(), &ms));
    let deep = (depth(50_000), prop::sample::select(vec!["[", "{\"a\":"]))
        .prop_map(|(n, open)| format!("{{\"extra_data\":{}", open.repeat(n)).into_bytes());
    prop_oneof![4 => json_edit, 4 => byte_edit, 1 => deep]
}

pub fn mutated_bodies_get_a_typed_answer(config: Config) -> Result<(), String> {
    check(config, mutated_body(), |body| {
        let d = Delivery {
            token: "tok".into(),
            secret: String::new(),
            ts: 0,
            headers: vec![],
            body,
        };
        match deliver(&app("tok", None), &d) {
            Ok(ev) => prop_assert!(matches!(ev.change.record, RecordRef::Jing(_))),
            Err(r) => prop_assert!([400, 422].contains(&r.status), "{r}"),
        }
        Ok(())
    })
}

/// Headers and values near what the verifier looks for.
fn any_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        (prop::collection::vec(any::<bool>(), 1..8), any::<bool>()).prop_map(|(m, ts)| {
            recase(
                if ts {
                    "x-jing-timestamp"
                } else {
                    "x-jing-signature"
                },
                &m,
            )
        }),
        re("[ -~]{0,20}"),
    ];
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-TOLERANCE..=TOLERANCE).prop_map(|s| format!(" {} ", NOW.unix_timestamp() + s)),
        re("v1=[0-9a-fA-F]{0,66}(,v1=[0-9a-f]{64})?"),
        re("[0-9+-]{0,30}"),
        re(".{0,40}"),
    ];
    prop::collection::vec((name, value), 0..5)
}

/// A URL token (sometimes the right one), the app's signing secret (none, blank or any),
/// headers near what the verifier reads, and a body (random, or a real event).
fn any_request() -> impl Strategy<Value = (Option<String>, Delivery)> {
    (
        prop_oneof![re("[ -~]{0,12}"), Just("tok".to_owned())],
        proptest::option::of(prop_oneof![Just(String::new()), re("[ -~]{0,12}")]),
        any_headers(),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            event().prop_map(|e| serde_json::to_vec(&e.to_json()).unwrap()),
        ],
    )
        .prop_map(|(token, secret, headers, body)| {
            let secret_text = secret.clone().unwrap_or_default();
            let d = Delivery {
                token,
                secret: secret_text,
                ts: 0,
                headers,
                body,
            };
            (secret, d)
        })
}

/// An accepted request: the right token and, for a signing app, a non-blank secret and a
/// signature that an independent computation confirms.
fn assert_deserved(secret: Option<&str>, d: &Delivery) -> Result<(), TestCaseError> {
    prop_assert_eq!(d.token.as_str(), "tok");
    let Some(secret) = secret else {
        return Ok(());
    };
    prop_assert!(!secret.is_empty(), "accepted with a blank secret");
    let req = WebhookRequest {
        url_token: &d.token,
        headers: &d.headers,
        body: &d.body,
    };
    let ts = req.header("x-jing-timestamp").unwrap().trim();
    let expected = sign(secret, ts.parse().unwrap(), &d.body).to_ascii_lowercase();
    let sig = req.header("x-jing-signature").unwrap().to_ascii_lowercase();
    prop_assert!(sig.split(',').any(|s| s.trim() == expected), "forged {sig}");
    Ok(())
}

pub fn arbitrary_requests_get_a_typed_answer(config: Config) -> Result<(), String> {
    check(config, any_request(), |(secret, d)| {
        match deliver(&app("tok", secret.as_deref()), &d) {
            Ok(_) => assert_deserved(secret.as_deref(), &d),
            Err(r) => {
                prop_assert_eq!(r.status, r.reason.status());
                prop_assert!([400, 401, 403, 413, 422].contains(&r.status), "{r}");
                Ok(())
            }
        }
    })
}
