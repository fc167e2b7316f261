//! JING webhooks (`verify_and_parse`): signed events generated from a model, then tampered with
//! (body, timestamp, signature, secret, URL token), mutated (JSON values, bytes, deep nesting),
//! grown to the body cap, and wholly arbitrary requests (tokens, headers, signatures).

mod arbitrary;
mod model;
mod tamper;

pub use arbitrary::{arbitrary_requests_get_a_typed_answer, mutated_bodies_get_a_typed_answer};
use model::reordered;
pub use model::{Event, Mapped, event};
pub use tamper::{Tamper, tampered_deliveries_are_never_accepted};

use domain::AppId;
use jing::webhook::auth::sign;
use jing::{
    AppWebhookConfig, ParsedEvent, RejectReason, WebhookRejection, WebhookRequest, verify_and_parse,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::{Property, check, property, re};

pub fn properties() -> Vec<Property> {
    vec![
        property!("webhook", signed_events_parse_to_what_they_say),
        property!("webhook", tampered_deliveries_are_never_accepted),
        property!("webhook", mutated_bodies_get_a_typed_answer),
        property!("webhook", arbitrary_requests_get_a_typed_answer),
        property!("webhook", bodies_at_the_size_cap, 64),
    ]
}

const NOW: OffsetDateTime = datetime!(2024-05-01 10:00:00 UTC);
const TOLERANCE: i64 = 300;
const LEAD_CREATE: &str =
    include_str!("../../../../shared/jing/tests/fixtures/lead_object_create.json");
const ACCOUNT_UPDATE: &str =
    include_str!("../../../../shared/jing/tests/fixtures/account_object_update.json");
/// JING field codes of the default mappings: decoded by their own types.
const KNOWN_CODES: &[&str] = &[
    "name",
    "first_name",
    "mobile",
    "email",
    "company_id",
    "title",
    "official_website",
    "life_status",
    "owner",
    "industry",
];
const KEYWORDS: &[&str] = &[
    "object_create",
    "object_update",
    "manual_distribution",
    "auto_distribution",
    "object_invalid",
];

/// A delivery as it reaches the endpoint.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub token: String,
    pub secret: String,
    pub ts: i64,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// `name` with each letter's case flipped where `mask` says.
fn recase(name: &str, mask: &[bool]) -> String {
    name.chars()
        .zip(mask.iter().cycle())
        .map(|(c, flip)| {
            if *flip {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// A correctly signed delivery of `body`, headers in any case and order among noise headers;
/// now and then with a blank secret when `blank_secret`.
fn delivery(body: Vec<u8>, blank_secret: bool) -> impl Strategy<Value = Delivery> {
    let secret = if blank_secret {
        prop_oneof![20 => re("[ -~]{1,40}"), 1 => Just(String::new())].boxed()
    } else {
        re("[ -~]{1,40}").boxed()
    };
    (
        re("[A-Za-z0-9_-]{8,40}"),
        secret,
        -TOLERANCE..=TOLERANCE,
        prop::collection::vec(any::<bool>(), 1..8),
        prop::collection::vec((re("[A-Za-z-]{1,12}"), re("[ -~]{0,20}")), 0..3),
        any::<bool>(),
    )
        .prop_map(move |(token, secret, skew, mask, noise, first)| {
            let ts = NOW.unix_timestamp() + skew;
            let mut headers = vec![
                (recase("x-jing-timestamp", &mask), ts.to_string()),
                (recase("x-jing-signature", &mask), sign(&secret, ts, &body)),
            ];
            if first {
                headers.reverse();
            }
            headers.extend(
                noise
                    .into_iter()
                    .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("x-jing")),
            );
            Delivery {
                token,
                secret,
                ts,
                headers,
                body: body.clone(),
            }
        })
}

fn app(token: &str, secret: Option<&str>) -> AppWebhookConfig {
    let app = AppWebhookConfig::new(AppId::parse("acme").unwrap(), token);
    match secret {
        Some(s) => app.signed(s),
        None => app,
    }
}

fn deliver(app: &AppWebhookConfig, d: &Delivery) -> Result<ParsedEvent, WebhookRejection> {
    let req = WebhookRequest {
        url_token: &d.token,
        headers: &d.headers,
        body: &d.body,
    };
    verify_and_parse(app, &req, NOW)
}

fn signed_event(blank_secret: bool) -> impl Strategy<Value = (Event, Delivery)> {
    event().prop_flat_map(move |e| {
        let body = serde_json::to_vec(&e.to_json()).unwrap();
        (Just(e), delivery(body, blank_secret))
    })
}

pub fn signed_events_parse_to_what_they_say(config: Config) -> Result<(), String> {
    check(config, signed_event(true), |(e, d)| {
        let app = app(&d.token, Some(&d.secret));
        if d.secret.is_empty() {
            // Anyone can compute a MAC with an empty key: such an app accepts nothing.
            prop_assert_eq!(
                deliver(&app, &d).unwrap_err().reason,
                RejectReason::BadSignature
            );
            return Ok(());
        }
        let parsed = deliver(&app, &d).map_err(|r| TestCaseError::fail(r.to_string()))?;
        e.assert_parsed(&parsed)?;
        // Key order and whitespace are not part of the event: same change, same idempotency key.
        let other = reordered(&e.to_json()).into_bytes();
        let unsigned = Delivery {
            body: other,
            headers: vec![],
            ..d.clone()
        };
        let again = deliver(&self::app(&d.token, None), &unsigned).unwrap();
        prop_assert_eq!(&again.idempotency_key, &parsed.idempotency_key);
        prop_assert_eq!(&again.change, &parsed.change);
        Ok(())
    })
}

/// A generated event grown to `size` bytes (a long mapped value, or trailing whitespace): parsed
/// up to the 256 KiB cap with the value intact, 413 above it.
pub fn bodies_at_the_size_cap(config: Config) -> Result<(), String> {
    let limit = jing::contract::WebhookContract::default().max_body_bytes;
    let grown = (event(), limit - 64..=limit + 64, any::<bool>());
    check(config, grown, |(mut e, size, in_value)| {
        let base = serde_json::to_vec(&e.to_json()).unwrap().len();
        if in_value {
            let fill = size.saturating_sub(base + r#","zz_fill":["x"]"#.len());
            let text = "径".repeat(fill / 3) + &"x".repeat(fill % 3);
            e.mapping.retain(|(c, _)| c != "zz_fill");
            e.mapping.push(("zz_fill".into(), Mapped::Text(vec![text])));
        }
        let mut body = serde_json::to_vec(&e.to_json()).unwrap();
        prop_assume!(body.len() <= size);
        body.resize(size, b' ');
        let d = Delivery {
            token: "tok".into(),
            secret: String::new(),
            ts: 0,
            headers: vec![],
            body,
        };
        match deliver(&app("tok", None), &d) {
            Ok(ev) => {
                prop_assert!(size <= limit);
                e.assert_parsed(&ev)
            }
            Err(r) => {
                prop_assert!(size > limit, "{r}");
                prop_assert_eq!(r.reason, RejectReason::BodyTooLarge { size, limit });
                Ok(())
            }
        }
    })
}
