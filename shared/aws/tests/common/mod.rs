//! Test harness: every test runs against a moto server on 127.0.0.1, on its own freshly
//! provisioned tables and queues (unique names), so tests run in parallel and never see each
//! other's data. Without moto the tests FAIL with instructions; they never skip.

#![allow(dead_code)]

use aws::calls::CallCounter;
use aws::{Clients, QueueUrls, Tables};
use std::sync::atomic::{AtomicU64, Ordering};

const HOW_TO: &str = "these tests need moto (the local AWS emulator): run\n    infra/moto.sh start && eval \"$(infra/moto.sh env)\"\nfrom the repository root, then run the tests again in that shell";

/// A connection to moto plus the clients (counting calls) for one test.
pub struct Moto {
    pub endpoint: String,
    pub sdk: aws_config::SdkConfig,
    pub clients: Clients,
    pub counter: CallCounter,
}

/// Connect to the moto named by `AWS_ENDPOINT_URL`; panics (fails the test) when it is unset,
/// points elsewhere than 127.0.0.1, or does not answer.
pub async fn moto() -> Moto {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .unwrap_or_else(|_| panic!("AWS_ENDPOINT_URL is not set: {HOW_TO}"));
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "AWS_ENDPOINT_URL={endpoint} must point at a local moto on 127.0.0.1: {HOW_TO}"
    );
    for var in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        assert!(std::env::var(var).is_ok(), "{var} is not set: {HOW_TO}");
    }
    let health = format!("{endpoint}/moto-api/");
    let answered = reqwest::get(&health).await.map(|r| r.status().is_success());
    assert!(
        matches!(answered, Ok(true)),
        "moto does not answer at {health} ({answered:?}): {HOW_TO}"
    );
    let sdk = aws::sdk_config().await;
    let counter = CallCounter::new();
    let clients = Clients::new(&sdk, Some(&counter));
    Moto {
        endpoint,
        sdk,
        clients,
        counter,
    }
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}-{}-{:x}-{n}",
        std::process::id(),
        nanos % 0xffff_ffff
    )
}

impl Moto {
    /// Fresh tables for one test.
    pub async fn tables(&self) -> Tables {
        let tables = Tables::with_prefix(&unique("jt"));
        aws::provision::ensure_tables(&self.clients.dynamo, &tables)
            .await
            .expect("provision tables");
        tables
    }

    /// A fresh changes queue and DLQ for one test.
    pub async fn queues(&self, max_receives: u32) -> QueueUrls {
        aws::provision::ensure_queues(&self.clients.sqs, &unique("jq"), max_receives)
            .await
            .expect("provision queues")
    }

    /// moto's internal state dump (sent mail lives under `ses`).
    pub async fn data_json(&self) -> serde_json::Value {
        let url = format!("{}/moto-api/data.json", self.endpoint);
        reqwest::get(&url)
            .await
            .expect("GET data.json")
            .json()
            .await
            .expect("data.json is JSON")
    }
}
