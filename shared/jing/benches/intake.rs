//! Webhook intake cost per delivery: signature check + parse + idempotency key.

use criterion::{Criterion, criterion_group, criterion_main};
use domain::AppId;
use jingsf_jing::webhook::auth::sign;
use jingsf_jing::{AppWebhookConfig, WebhookRequest, verify_and_parse};
use std::hint::black_box;

const LEAD_CREATE: &str = include_str!("../tests/fixtures/lead_object_create.json");

fn intake(c: &mut Criterion) {
    let app = AppWebhookConfig::new(AppId::parse("acme").unwrap(), "wh_token_0123456789abcdef")
        .signed("whsec");
    let now = time::OffsetDateTime::now_utc();
    let ts = now.unix_timestamp();
    let body = LEAD_CREATE.as_bytes();
    let headers = vec![
        ("X-Jing-Timestamp".to_owned(), ts.to_string()),
        ("X-Jing-Signature".to_owned(), sign("whsec", ts, body)),
    ];
    c.bench_function("verify_and_parse signed lead create", |b| {
        b.iter(|| {
            let req = WebhookRequest {
                url_token: "wh_token_0123456789abcdef",
                headers: &headers,
                body,
            };
            black_box(verify_and_parse(&app, &req, now).unwrap())
        })
    });
    let unsigned =
        AppWebhookConfig::new(AppId::parse("acme").unwrap(), "wh_token_0123456789abcdef");
    c.bench_function("verify_and_parse unsigned lead create", |b| {
        b.iter(|| {
            let req = WebhookRequest {
                url_token: "wh_token_0123456789abcdef",
                headers: &[],
                body,
            };
            black_box(verify_and_parse(&unsigned, &req, now).unwrap())
        })
    });
}

criterion_group!(benches, intake);
criterion_main!(benches);
