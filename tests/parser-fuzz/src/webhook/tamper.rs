//! Correctly signed deliveries spoiled one way each: never accepted, refused for the right reason.

use jing::webhook::auth::sign;
use jing::{AppWebhookConfig, RejectReason};
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::{Delivery, NOW, TOLERANCE, app, deliver, signed_event};
use crate::mutate::{apply, mutations};
use crate::{check, re};

/// One way to spoil a correctly signed delivery.
#[derive(Debug, Clone)]
pub enum Tamper {
    Body(Vec<crate::mutate::Mutation>),
    /// Another timestamp text (still in the window, or not a number at all).
    Timestamp(String),
    /// Another signature value.
    Signature(String),
    /// Verified with another secret.
    Secret(String),
    Token(String),
    /// Signed correctly, but for a time outside the window.
    Stale(i64),
    DropHeader(bool),
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        mutations(
            &[
                "{", "}", "\"", ":", ",", "[", "]", " ", "null", "0", "\\u0000"
            ],
            3
        )
        .prop_map(Tamper::Body),
        prop_oneof![
            (-TOLERANCE..=TOLERANCE).prop_map(|s| (NOW.unix_timestamp() + s).to_string()),
            re("[+-]?0[0-9]{9,11}"),
            re("[ -~]{0,24}"),
            Just(i64::MIN.to_string()),
            Just(i64::MAX.to_string()),
        ]
        .prop_map(Tamper::Timestamp),
        prop_oneof![
            re("v1=[0-9a-f]{64}"),
            re("v1=[0-9A-Fa-f]{0,70}"),
            re("(v[0-9]=[0-9a-f]{2,64},?){1,3}"),
            re("[ -~]{0,80}"),
        ]
        .prop_map(Tamper::Signature),
        re("[ -~]{0,40}").prop_map(Tamper::Secret),
        re("[ -~]{0,48}").prop_map(Tamper::Token),
        prop_oneof![
            TOLERANCE + 1..100_000i64,
            -100_000i64..-TOLERANCE,
            Just(i64::MIN),
            Just(i64::MAX)
        ]
        .prop_map(Tamper::Stale),
        any::<bool>().prop_map(Tamper::DropHeader),
    ]
}

fn header_mut<'a>(d: &'a mut Delivery, name: &str) -> &'a mut String {
    let (_, v) = d
        .headers
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .unwrap();
    v
}

/// Apply the tamper, and the secret the app then verifies with; `None` when the tamper changed
/// nothing (the delivery is still genuine).
fn spoil(d: &Delivery, t: &Tamper) -> Option<(Delivery, String)> {
    let (mut d, mut secret) = (d.clone(), d.secret.clone());
    let genuine_mac = sign(&d.secret, d.ts, &d.body);
    match t {
        Tamper::Body(ms) => d.body = apply(&d.body, ms),
        Tamper::Timestamp(ts) if ts.trim() == d.ts.to_string() => return None,
        Tamper::Timestamp(ts) => *header_mut(&mut d, "x-jing-timestamp") = ts.clone(),
        Tamper::Signature(sig) if sig.to_ascii_lowercase().contains(&genuine_mac) => return None,
        Tamper::Signature(sig) => *header_mut(&mut d, "x-jing-signature") = sig.clone(),
        Tamper::Secret(s) if *s == secret => return None,
        Tamper::Secret(s) => secret = s.clone(),
        Tamper::Token(tok) if *tok == d.token => return None,
        Tamper::Token(tok) => d.token = tok.clone(),
        Tamper::Stale(skew) => {
            let ts = NOW.unix_timestamp().saturating_add(*skew);
            *header_mut(&mut d, "x-jing-timestamp") = ts.to_string();
            *header_mut(&mut d, "x-jing-signature") = sign(&secret, ts, &d.body);
        }
        Tamper::DropHeader(ts) => {
            let name = if *ts {
                "x-jing-timestamp"
            } else {
                "x-jing-signature"
            };
            d.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        }
    }
    let unchanged_body =
        matches!(t, Tamper::Body(_)) && sign(&d.secret, d.ts, &d.body) == genuine_mac;
    (!unchanged_body).then_some((d, secret))
}

pub fn tampered_deliveries_are_never_accepted(config: Config) -> Result<(), String> {
    check(config, (signed_event(false), tamper()), |((_, d), t)| {
        let app = app(&d.token, Some(&d.secret));
        let Some((spoiled, secret)) = spoil(&d, &t) else {
            return Ok(());
        };
        // The app verifies with `secret`: the genuine one unless the tamper is the secret.
        let app = AppWebhookConfig {
            signing_secret: Some(secret.into()),
            ..app
        };
        let verdict = deliver(&app, &spoiled).map(|_| ());
        let expected = match &t {
            Tamper::Token(_) => vec![RejectReason::BadUrlToken],
            Tamper::Stale(_) => vec![],
            Tamper::DropHeader(_) => vec![RejectReason::MissingSignature],
            _ => vec![RejectReason::BadSignature, RejectReason::MissingSignature],
        };
        match verdict {
            Ok(()) => prop_assert!(false, "accepted after {t:?}"),
            Err(r) if matches!(r.reason, RejectReason::StaleTimestamp { .. }) => {
                prop_assert!(
                    matches!(t, Tamper::Stale(_) | Tamper::Timestamp(_)),
                    "{t:?} gave {r}"
                )
            }
            Err(r) => prop_assert!(expected.contains(&r.reason), "{t:?} gave {r}"),
        }
        Ok(())
    })
}
