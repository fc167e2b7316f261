use super::*;
use base64::Engine;
use hmac::{Hmac, Mac};

#[test]
fn pkce_verifier_shape_and_challenge() {
    let a = Pkce::generate();
    let b = Pkce::generate();
    let v = a.verifier.expose_secret();
    assert!((43..=128).contains(&v.len()), "{}", v.len());
    assert_ne!(v, b.verifier.expose_secret(), "verifiers must be random");
    assert!(!a.challenge.contains('=') && !a.challenge.contains('+') && !a.challenge.contains('/'));
    assert_eq!(
        a.challenge.len(),
        43,
        "SHA-256 is 32 bytes → 43 base64url chars"
    );
    // Vector computed independently (Python hashlib + urlsafe_b64encode, padding stripped).
    assert_eq!(
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU2p1r0utD3Pg8Dn8Ek"),
        "1VLAXDYu9nfdBUltnP7MgiWb0kFD0Vf5V2ZZNT9CmMk"
    );
}

#[test]
fn bad_verifiers_are_refused() {
    assert!(Pkce::from_verifier("short").is_err());
    assert!(Pkce::from_verifier(&"a".repeat(129)).is_err());
    assert!(Pkce::from_verifier(&format!("{}+", "a".repeat(50))).is_err());
    assert!(Pkce::from_verifier(&"a".repeat(43)).is_ok());
}

#[test]
fn state_is_random_and_url_safe() {
    let s = generate_state();
    assert_eq!(s.len(), 43);
    assert_ne!(s, generate_state());
    assert!(
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
}

#[test]
fn authorize_url_carries_every_parameter() {
    let app = SfAppConfig::new(
        "key 1",
        SecretString::from("s"),
        "https://cb.example/oauth?x=1",
    );
    let url = authorize_url(
        &SfEnvironment::Sandbox,
        &app,
        "st",
        "ch",
        &["api", "refresh_token"],
    );
    let parsed = url::Url::parse(&url).unwrap();
    assert_eq!(parsed.host_str(), Some("test.salesforce.com"));
    assert_eq!(parsed.path(), "/services/oauth2/authorize");
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "key 1");
    assert_eq!(q["redirect_uri"], "https://cb.example/oauth?x=1");
    assert_eq!(q["scope"], "api refresh_token");
    assert_eq!(q["state"], "st");
    assert_eq!(q["code_challenge"], "ch");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!url.contains("client_secret"));
}

#[test]
fn token_response_is_parsed_with_ms_issued_at() {
    let body = br#"{
      "access_token": "00D5g000004ABCD!AQ4AQFakeTokenValue",
      "refresh_token": "5Aep861FakeRefreshTokenValue",
      "signature": "Zk9tYWtlSGFzaFZhbHVlQmFzZTY0PQ==",
      "scope": "refresh_token api",
      "instance_url": "https://acme.my.salesforce.com",
      "id": "https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV",
      "token_type": "Bearer",
      "issued_at": "1714149392123"
    }"#;
    let t = parse_token_response(body).unwrap();
    assert_eq!(
        t.access_token.expose_secret(),
        "00D5g000004ABCD!AQ4AQFakeTokenValue"
    );
    assert_eq!(
        t.refresh_token.unwrap().expose_secret(),
        "5Aep861FakeRefreshTokenValue"
    );
    assert_eq!(t.instance_url, "https://acme.my.salesforce.com");
    assert_eq!(
        domain::datetime::epoch_millis(t.issued_at),
        1_714_149_392_123
    );
    assert_eq!(t.scope.as_deref(), Some("refresh_token api"));
    let again = parse_token_response(body).unwrap();
    assert_eq!(again.org_id().unwrap().as_str(), "00D5g000004ABCDEA4");
    assert!(
        !format!("{again:?}").contains("FakeTokenValue"),
        "Debug must not leak tokens"
    );
}

#[test]
fn refresh_response_without_refresh_token() {
    let body = br#"{"id":"https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV","issued_at":"1714149392123","instance_url":"https://acme.my.salesforce.com","signature":"x","access_token":"00D!new","token_type":"Bearer","scope":"api"}"#;
    let t = parse_token_response(body).unwrap();
    assert!(t.refresh_token.is_none());
}

#[test]
fn malformed_token_responses_are_decode_errors() {
    let seconds_as_number = br#"{"access_token":"a","instance_url":"https://x","id":"https://l/id/o/u","issued_at":1714149392}"#;
    assert!(matches!(
        parse_token_response(seconds_as_number),
        Err(SfError::Decode(_))
    ));
    let not_digits = br#"{"access_token":"a","instance_url":"https://x","id":"https://l/id/o/u","issued_at":"soon"}"#;
    assert!(matches!(
        parse_token_response(not_digits),
        Err(SfError::Decode(_))
    ));
    assert!(matches!(
        parse_token_response(b"<html/>"),
        Err(SfError::Decode(_))
    ));
}

#[test]
fn identity_is_parsed() {
    let body = br#"{
      "id": "https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV",
      "asserted_user": true,
      "user_id": "0055g00000AbCdEAAV",
      "organization_id": "00D5g000004ABCDEA4",
      "username": "integration@acme.example",
      "nick_name": "integration1.234",
      "display_name": "Integration User",
      "email": "integration@acme.example",
      "email_verified": true,
      "photos": {"picture": "https://x/profilephoto/005/F"},
      "addr_street": null,
      "urls": {"rest": "https://acme.my.salesforce.com/services/data/v{version}/"},
      "active": true,
      "utcOffset": 3600000,
      "last_modified_date": "2024-04-01T12:00:00.000+0000"
    }"#;
    let id = parse_identity(body).unwrap();
    assert_eq!(id.user_id.as_str(), "0055g00000AbCdEAAV");
    assert_eq!(id.org_id.as_str(), "00D5g000004ABCDEA4");
    assert_eq!(id.username, "integration@acme.example");
    assert_eq!(id.display_name, "Integration User");
    assert_eq!(id.email, "integration@acme.example");
    assert!(
        parse_identity(br#"{"user_id":"bad","organization_id":"00D5g000004ABCDEA4"}"#).is_err()
    );
}

#[test]
fn signature_over_id_and_issued_at_is_verified() {
    let secret = SecretString::from("SimConsumerSecret");
    let id = "https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV";
    let mut mac = Hmac::<Sha256>::new_from_slice(b"SimConsumerSecret").unwrap();
    mac.update(format!("{id}1714149392123").as_bytes());
    let good = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let body = |sig: &str| {
        format!(
            r#"{{"access_token":"a","instance_url":"https://x","id":"{id}","issued_at":"1714149392123","signature":"{sig}"}}"#
        )
    };
    let tokens = parse_token_response(body(&good).as_bytes()).unwrap();
    assert!(verify_signature(&tokens, &secret).is_ok());
    assert!(verify_signature(&tokens, &SecretString::from("other")).is_err());
    let tampered = parse_token_response(body(&good).replace("0055g", "0056g").as_bytes()).unwrap();
    assert!(verify_signature(&tampered, &secret).is_err());
    let garbage = parse_token_response(body("%%%").as_bytes()).unwrap();
    assert!(verify_signature(&garbage, &secret).is_err());
    let unsigned = parse_token_response(
        br#"{"access_token":"a","instance_url":"https://x","id":"i","issued_at":"1"}"#,
    )
    .unwrap();
    assert!(verify_signature(&unsigned, &secret).is_ok());
}
