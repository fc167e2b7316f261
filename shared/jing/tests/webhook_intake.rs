//! Webhook intake over the documented samples: parsing, every rejection, idempotency keys and
//! the signature window.

use domain::{Actor, AppId, FieldChange, JingId, Lane, ObjectKind, Operation, RecordRef, Value};
use jing::webhook::auth::sign;
use jing::{
    AppWebhookConfig, RejectReason, WebhookRequest, verify_and_parse, verify_and_parse_for,
};
use jingsf_jing as jing;
use serde_json::{Value as Json, json};
use time::OffsetDateTime;
use time::macros::datetime;

const LEAD_CREATE: &str = include_str!("fixtures/lead_object_create.json");
const ACCOUNT_UPDATE: &str = include_str!("fixtures/account_object_update.json");
const TOKEN: &str = "wh_9f2c1d7e5b3a48c6a0e1f2d3c4b5a697";
const SECRET: &str = "whsec_test_3c9a";

fn app() -> AppWebhookConfig {
    AppWebhookConfig::new(AppId::parse("acme").unwrap(), TOKEN)
}

fn now() -> OffsetDateTime {
    datetime!(2024-05-01 10:00:00 UTC)
}

fn unsigned(body: &[u8]) -> Result<jing::ParsedEvent, jing::WebhookRejection> {
    verify_and_parse(
        &app(),
        &WebhookRequest {
            url_token: TOKEN,
            headers: &[],
            body,
        },
        now(),
    )
}

fn signed_headers(secret: &str, ts: i64, body: &[u8]) -> Vec<(String, String)> {
    vec![
        ("x-jing-timestamp".to_owned(), ts.to_string()),
        ("X-Jing-Signature".to_owned(), sign(secret, ts, body)),
    ]
}

fn status_of(r: Result<jing::ParsedEvent, jing::WebhookRejection>) -> (u16, RejectReason) {
    let e = r.expect_err("should be rejected");
    (e.status, e.reason)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn documented_lead_create_sample_parses_to_the_expected_change() {
    let ev = unsigned(LEAD_CREATE.as_bytes()).unwrap();
    let c = &ev.change;
    assert_eq!(c.app.as_str(), "acme");
    assert_eq!(c.object, ObjectKind::Lead);
    assert_eq!(
        c.record,
        RecordRef::Jing(JingId::parse("NttdW4NoJfD2cX6f7rg52f").unwrap())
    );
    assert_eq!(c.op, Operation::Upsert);
    assert_eq!(c.source_time, datetime!(2023-02-27 07:02:25 UTC));
    assert_eq!(c.actor, Actor::Human(Some("20272".into())));
    assert_eq!(c.lane, Lane::Live);
    let names: Vec<&str> = c.fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "business_type",
            "lead_pool",
            "life_status",
            "mobile",
            "name",
            "to_baby_lead_timestamp"
        ]
    );
    let after = |k: &str| FieldChange {
        before: None,
        after: text(k),
    };
    assert_eq!(c.fields["name"], after("ceshi-webhook-001"));
    assert_eq!(c.fields["mobile"], after("17894892831"));
    assert_eq!(c.fields["life_status"], after("baby_lead"));
    assert_eq!(
        c.fields["to_baby_lead_timestamp"],
        after("2023-02-27 15:02:25")
    );
    assert_eq!(ev.mid, "59");
    assert_eq!(ev.action_keyword, "object_create");
    assert!(
        ev.idempotency_key
            .starts_with("jing:59:lead:NttdW4NoJfD2cX6f7rg52f:object_create:1677481345:"),
        "{}",
        ev.idempotency_key
    );
}

#[test]
fn documented_account_update_sample_carries_before_and_after() {
    let ev = unsigned(ACCOUNT_UPDATE.as_bytes()).unwrap();
    let c = &ev.change;
    assert_eq!(c.object, ObjectKind::Account);
    assert_eq!(c.record.as_str(), "B3hJubdf4GR3fNhSyx5npA");
    assert_eq!(c.source_time, datetime!(2023-02-27 10:08:32 UTC));
    assert_eq!(c.actor, Actor::Human(Some("23849".into())));
    assert_eq!(c.fields.len(), 1);
    assert_eq!(
        c.fields["company_id"],
        FieldChange {
            before: Some(Value::Empty),
            after: text("中山大学")
        }
    );
}

fn edit(raw: &str, f: impl FnOnce(&mut Json)) -> Vec<u8> {
    let mut v: Json = serde_json::from_str(raw).unwrap();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn owner_changes_become_an_owner_field_change() {
    let body = edit(ACCOUNT_UPDATE, |v| {
        v["action_keyword"] = json!("manual_distribution");
        v["extra_data"]["mapping_data"] = json!({});
        v["extra_data"]["owner"] = json!("Ow9nerUuid2cX6f7rg52fA");
    });
    let c = unsigned(&body).unwrap().change;
    assert_eq!(c.fields["owner"].after, text("Ow9nerUuid2cX6f7rg52fA"));
    let body = edit(ACCOUNT_UPDATE, |v| {
        v["action_keyword"] = json!("auto_distribution");
        v["extra_data"]["mapping_data"] = json!({"owner": ["oldOwner1", "newOwner2"]});
    });
    let c = unsigned(&body).unwrap().change;
    assert_eq!(
        c.fields["owner"],
        FieldChange {
            before: Some(text("oldOwner1")),
            after: text("newOwner2")
        }
    );
}

#[test]
fn our_own_api_writes_are_marked_as_integration() {
    let body = edit(LEAD_CREATE, |v| {
        v["extra_data"]["operator_type"] = json!(0);
        v["extra_data"]["login_platform"] = json!("openapi");
    });
    assert_eq!(unsigned(&body).unwrap().change.actor, Actor::Integration);
    // operator_type 0 alone (no marker) is not enough to suppress a change.
    let body = edit(LEAD_CREATE, |v| v["extra_data"]["operator_type"] = json!(0));
    assert!(matches!(
        unsigned(&body).unwrap().change.actor,
        Actor::Human(_)
    ));
}

#[test]
fn invalidation_is_a_delete() {
    let body = edit(LEAD_CREATE, |v| {
        v["action_keyword"] = json!("object_invalid");
        v["extra_data"]["mapping_data"] = json!({});
    });
    let c = unsigned(&body).unwrap().change;
    assert_eq!(c.op, Operation::Delete);
    assert!(c.fields.is_empty());
}

#[test]
fn duplicate_deliveries_share_a_key_and_different_changes_do_not() {
    let a = unsigned(ACCOUNT_UPDATE.as_bytes()).unwrap();
    // Same event re-serialized with another key order and whitespace.
    let v: Json = serde_json::from_str(ACCOUNT_UPDATE).unwrap();
    let b = unsigned(serde_json::to_string_pretty(&v).unwrap().as_bytes()).unwrap();
    assert_eq!(a.idempotency_key, b.idempotency_key);
    let other_value = edit(ACCOUNT_UPDATE, |v| {
        v["extra_data"]["mapping_data"]["company_id"][1] = json!("复旦大学")
    });
    assert_ne!(
        a.idempotency_key,
        unsigned(&other_value).unwrap().idempotency_key
    );
    let later = edit(ACCOUNT_UPDATE, |v| v["create_time"] = json!(1677492513));
    assert_ne!(a.idempotency_key, unsigned(&later).unwrap().idempotency_key);
}

#[test]
fn unknown_app_and_bad_url_token_are_401() {
    let body = LEAD_CREATE.as_bytes();
    let req = WebhookRequest {
        url_token: TOKEN,
        headers: &[],
        body,
    };
    let r = verify_and_parse_for(|_| None, "nobody", &req, now());
    assert_eq!(status_of(r), (401, RejectReason::UnknownApp));
    let bad = WebhookRequest {
        url_token: "wh_9f2c1d7e5b3a48c6a0e1f2d3c4b5a698",
        headers: &[],
        body,
    };
    assert_eq!(
        status_of(verify_and_parse(&app(), &bad, now())),
        (401, RejectReason::BadUrlToken)
    );
    let empty = WebhookRequest {
        url_token: "",
        headers: &[],
        body,
    };
    assert_eq!(status_of(verify_and_parse(&app(), &empty, now())).0, 401);
    let cfg = app();
    let ok = verify_and_parse_for(|id| (id == "acme").then_some(&cfg), "acme", &req, now());
    assert!(ok.is_ok());
}

#[test]
fn signatures_are_checked_with_a_tolerance_window() {
    let app = app().signed(SECRET);
    let body = ACCOUNT_UPDATE.as_bytes();
    let ts = now().unix_timestamp();
    let check = |headers: &[(String, String)]| {
        verify_and_parse(
            &app,
            &WebhookRequest {
                url_token: TOKEN,
                headers,
                body,
            },
            now(),
        )
    };
    assert!(check(&signed_headers(SECRET, ts, body)).is_ok());
    assert!(check(&signed_headers(SECRET, ts - 299, body)).is_ok());
    assert!(check(&signed_headers(SECRET, ts + 299, body)).is_ok());
    assert_eq!(
        status_of(check(&signed_headers(SECRET, ts - 301, body))),
        (403, RejectReason::StaleTimestamp { age_secs: 301 })
    );
    assert_eq!(
        status_of(check(&signed_headers("other", ts, body))),
        (403, RejectReason::BadSignature)
    );
    assert_eq!(status_of(check(&[])), (401, RejectReason::MissingSignature));
    // A signature of another body (tampering) fails.
    assert_eq!(
        status_of(check(&signed_headers(SECRET, ts, b"{}"))).1,
        RejectReason::BadSignature
    );
    // Rotation: any of several v1 signatures may match.
    let mut rotated = signed_headers(SECRET, ts, body);
    rotated[1].1 = format!("{},{}", sign("old", ts, body), rotated[1].1);
    assert!(check(&rotated).is_ok());
    let mut garbage = signed_headers(SECRET, ts, body);
    garbage[1].1 = "v1=zz".into();
    assert_eq!(status_of(check(&garbage)).1, RejectReason::BadSignature);
}

#[test]
fn oversized_malformed_and_foreign_events_are_refused() {
    let big = vec![b' '; 256 * 1024 + 1];
    assert_eq!(status_of(unsigned(&big)).0, 413);
    assert_eq!(status_of(unsigned(b"{not json")).0, 400);
    assert_eq!(status_of(unsigned(b"[]")).0, 400);
    let no_entity = edit(LEAD_CREATE, |v| {
        v["extra_data"]
            .as_object_mut()
            .unwrap()
            .remove("entity_id")
            .map(drop)
            .unwrap()
    });
    assert_eq!(status_of(unsigned(&no_entity)).0, 400);
    let user_event = edit(LEAD_CREATE, |v| v["event_category"] = json!("user"));
    assert_eq!(
        status_of(unsigned(&user_event)),
        (422, RejectReason::UnknownCategory("user".into()))
    );
    let contact = edit(LEAD_CREATE, |v| {
        v["extra_data"]["object_name"] = json!("contact")
    });
    assert_eq!(
        status_of(unsigned(&contact)),
        (422, RejectReason::UnsupportedObject("contact".into()))
    );
    let action = edit(LEAD_CREATE, |v| v["action_keyword"] = json!("object_merge"));
    assert_eq!(status_of(unsigned(&action)).0, 422);
    let bad_id = edit(LEAD_CREATE, |v| {
        v["extra_data"]["entity_id"] = json!("../etc")
    });
    assert_eq!(status_of(unsigned(&bad_id)).0, 400);
}

#[test]
fn another_tenants_event_is_refused_when_the_tenant_is_pinned() {
    let mut pinned = app();
    pinned.expected_mid = Some("60".into());
    let req = WebhookRequest {
        url_token: TOKEN,
        headers: &[],
        body: LEAD_CREATE.as_bytes(),
    };
    let e = verify_and_parse(&pinned, &req, now()).unwrap_err();
    assert_eq!(
        (e.status, e.reason),
        (403, RejectReason::WrongTenant("59".into()))
    );
}
