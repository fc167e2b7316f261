//! Authentication of a webhook delivery: the app's unguessable URL token (constant-time compare)
//! and, when a signing secret is configured, `HMAC-SHA256(secret, timestamp + "." + body)` in
//! `X-Jing-Signature: v1=<hex>` with `X-Jing-Timestamp` inside a tolerance window.

use super::{AppWebhookConfig, RejectReason, WebhookRejection, WebhookRequest};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// Refuse oversized bodies first (cheapest check, before any hashing).
pub fn check_size(app: &AppWebhookConfig, body: &[u8]) -> Result<(), WebhookRejection> {
    let limit = app.contract.max_body_bytes;
    if body.len() > limit {
        return Err(WebhookRejection::new(RejectReason::BodyTooLarge {
            size: body.len(),
            limit,
        }));
    }
    Ok(())
}

/// The URL token, compared in constant time.
pub fn check_url_token(app: &AppWebhookConfig, presented: &str) -> Result<(), WebhookRejection> {
    let expected = app.url_token.expose_secret().as_bytes();
    let ok: bool = expected.ct_eq(presented.as_bytes()).into();
    if !ok || expected.is_empty() {
        return Err(WebhookRejection::new(RejectReason::BadUrlToken));
    }
    Ok(())
}

/// The signature and its timestamp window, when the app has a signing secret.
pub fn check_signature(
    app: &AppWebhookConfig,
    req: &WebhookRequest<'_>,
    now: OffsetDateTime,
) -> Result<(), WebhookRejection> {
    let Some(secret) = &app.signing_secret else {
        return Ok(());
    };
    let c = &app.contract;
    let reject = |r| Err(WebhookRejection::new(r));
    // Anyone can compute an HMAC with an empty key: a blank secret accepts nothing, as a blank
    // URL token does.
    if secret.expose_secret().is_empty() {
        return reject(RejectReason::BadSignature);
    }
    let (Some(ts_raw), Some(sig_raw)) = (
        req.header(&c.timestamp_header),
        req.header(&c.signature_header),
    ) else {
        return reject(RejectReason::MissingSignature);
    };
    let Ok(ts) = ts_raw.trim().parse::<i64>() else {
        return reject(RejectReason::MissingSignature);
    };
    // `abs_diff`: a timestamp near i64::MIN or MAX must not overflow the subtraction.
    let age = now.unix_timestamp().abs_diff(ts);
    if age > c.tolerance.as_secs() {
        return reject(RejectReason::StaleTimestamp { age_secs: age });
    }
    let prefix = format!("{}=", c.signature_scheme);
    // Several signatures may be sent while a secret is rotated: any valid one is enough.
    let valid = sig_raw
        .split(',')
        .filter_map(|part| part.trim().strip_prefix(&prefix))
        .filter_map(decode_hex)
        .any(|sig| {
            mac(secret.expose_secret(), ts_raw.trim(), req.body)
                .verify_slice(&sig)
                .is_ok()
        });
    if !valid {
        return reject(RejectReason::BadSignature);
    }
    Ok(())
}

fn mac(secret: &str, ts: &str, body: &[u8]) -> HmacSha256 {
    let mut m =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    m.update(ts.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// `v1=<hex>` for a body, as JING (per our contract) and the simulator send it.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!(
        "v1={}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() & 1 == 1 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_refuses_garbage() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("é1"), None);
    }

    fn signed_app() -> (AppWebhookConfig, Vec<(String, String)>) {
        let app = AppWebhookConfig::new(domain::AppId::parse("acme").unwrap(), "tok").signed("");
        let headers = vec![
            ("X-Jing-Timestamp".to_owned(), "1700000000".to_owned()),
            (
                "X-Jing-Signature".to_owned(),
                sign("", 1_700_000_000, b"{}"),
            ),
        ];
        (app, headers)
    }

    /// Found by the parser fuzzing (tests/parser-fuzz): a signature made with the empty key was
    /// accepted by an app whose signing secret is blank.
    #[test]
    fn a_blank_secret_accepts_no_signature() {
        let (app, headers) = signed_app();
        let req = WebhookRequest {
            url_token: "tok",
            headers: &headers,
            body: b"{}",
        };
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let err = check_signature(&app, &req, now).unwrap_err();
        assert_eq!(err.reason, RejectReason::BadSignature);
    }

    /// Found by the parser fuzzing: `now - ts` overflowed (a panic in debug builds) for a
    /// timestamp header near i64::MIN.
    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        let (app, _) = signed_app();
        let app = AppWebhookConfig {
            signing_secret: Some("k".to_owned().into()),
            ..app
        };
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        for ts in [i64::MIN, i64::MAX] {
            let headers = vec![
                ("X-Jing-Timestamp".to_owned(), ts.to_string()),
                ("X-Jing-Signature".to_owned(), sign("k", ts, b"{}")),
            ];
            let req = WebhookRequest {
                url_token: "tok",
                headers: &headers,
                body: b"{}",
            };
            let err = check_signature(&app, &req, now).unwrap_err();
            assert!(
                matches!(err.reason, RejectReason::StaleTimestamp { .. }),
                "{ts}: {err}"
            );
        }
    }

    #[test]
    fn signature_matches_an_independent_hmac() {
        // Computed with Python: hmac.new(b"key", b'1700000000.{"a":1}', sha256).hexdigest()
        let s = sign("key", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            s,
            "v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
        assert_ne!(s, sign("key", 1_700_000_001, br#"{"a":1}"#));
    }
}
