//! One deployment on moto per test: fresh tables, the changes queue and DLQ, the init
//! continuation queue and DLQ, the consumer secret, a verified SES identity — unique names, so
//! tests run in parallel. Without moto the tests FAIL with instructions; they never skip.

use aws::{QueueUrls, Tables};
use kit::FnConfig;
use std::sync::atomic::{AtomicU64, Ordering};

const HOW_TO: &str = "these tests need moto: run\n    infra/moto.sh start && eval \"$(infra/moto.sh env)\"\nfrom the repository root, then run the tests again in that shell";

pub const SENDER: &str = "noreply@example.com";

pub struct Stack {
    pub endpoint: String,
    pub sdk: aws_config::SdkConfig,
    /// Counted by [`Stack::requests`]: what the event-source mappings send (receive, delete)
    /// is billed as the functions' calls are.
    pub sqs: aws_sdk_sqs::Client,
    /// Every AWS request the functions and the event-source mappings send, per operation.
    pub requests: aws::calls::CallCounter,
    /// Queue ARNs, read once (an event-source mapping knows its queue).
    arns: std::sync::Mutex<std::collections::HashMap<String, String>>,
    pub tables: Tables,
    pub changes: QueueUrls,
    pub init: QueueUrls,
    pub consumer_secret_id: String,
    /// The admin token's secret (the template's `AdminToken`).
    pub admin_token_id: String,
}

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

async fn check_moto() -> String {
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
        "moto does not answer at {health}: {HOW_TO}"
    );
    endpoint
}

impl Stack {
    /// Provision a fresh deployment whose changes queue redrives after `max_receives`.
    pub async fn new(max_receives: u32, consumer_secret: &str) -> Self {
        let endpoint = check_moto().await;
        let sdk = aws::sdk_config().await;
        let requests = aws::calls::CallCounter::new();
        let prefix = unique("fe");
        let tables = Tables::with_prefix(&prefix);
        aws::provision::ensure_tables(&aws_sdk_dynamodb_client(&sdk).dynamo, &tables)
            .await
            .expect("tables");
        let sqs = aws::Clients::new(&sdk, Some(&requests)).sqs;
        let changes =
            aws::provision::ensure_queues(&sqs, &format!("{prefix}-changes"), max_receives)
                .await
                .expect("changes queue");
        let init = aws::provision::ensure_queues(&sqs, &format!("{prefix}-init"), 3)
            .await
            .expect("init queue");
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        let consumer_secret_id = format!("{prefix}-sf-consumer-secret");
        secrets
            .create_secret()
            .name(&consumer_secret_id)
            .secret_string(consumer_secret)
            .send()
            .await
            .expect("consumer secret");
        let admin_token_id = format!("{prefix}-admin-token");
        secrets
            .create_secret()
            .name(&admin_token_id)
            .secret_string(crate::world::ADMIN_TOKEN)
            .send()
            .await
            .expect("admin token");
        aws::ses::ensure_identity(&aws_sdk_sesv2::Client::new(&sdk), "example.com")
            .await
            .expect("SES identity");
        Self {
            endpoint,
            sdk,
            sqs,
            requests,
            arns: Default::default(),
            tables,
            changes,
            init,
            consumer_secret_id,
            admin_token_id,
        }
    }

    /// The functions' configuration, as the template's environment gives it (the admin token
    /// only where `admin` says: the functions serving the admin API).
    pub fn config(
        &self,
        client_id: &str,
        public_url: &str,
        jing_base: &str,
        admin: bool,
    ) -> FnConfig {
        FnConfig {
            aws: aws::AwsConfig {
                tables: self.tables.clone(),
                queues: self.changes.clone(),
                secret_prefix: self.tables.apps.trim_end_matches("-apps").to_owned(),
                ses_sender: SENDER.to_owned(),
                secret_cache_ttl: std::time::Duration::from_secs(300),
                init_queue: Some(self.init.changes.clone()),
            },
            sf_client_id: client_id.to_owned(),
            sf_client_secret_id: Some(self.consumer_secret_id.clone()),
            public_url: public_url.to_owned(),
            jing_base_url: Some(jing_base.to_owned()),
            admin_token_secret_id: admin.then(|| self.admin_token_id.clone()),
            // The simulated org's login host is on 127.0.0.1.
            allow_custom_login_host: true,
            // Read the org's usage at every chance (tests restore the org's quota at once).
            org_probe_every: std::time::Duration::ZERO,
        }
    }

    pub async fn queue_arn(&self, url: &str) -> String {
        if let Some(arn) = self.arns.lock().expect("arns").get(url) {
            return arn.clone();
        }
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes");
        let arn = out
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .cloned()
            .expect("QueueArn");
        let mut arns = self.arns.lock().expect("arns");
        arns.insert(url.to_owned(), arn.clone());
        arn
    }

    /// Up to 10 visible messages, hidden for `visibility_secs` (0: visible again at once, as
    /// after an expired visibility timeout). Never long-polls (moto serves one request at a time).
    pub async fn receive(
        &self,
        url: &str,
        visibility_secs: i32,
    ) -> Vec<aws_sdk_sqs::types::Message> {
        self.sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility_secs)
            .wait_time_seconds(0)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .expect("ReceiveMessage")
            .messages
            .unwrap_or_default()
    }

    /// What the writer's event-source mapping hands one invocation when the queue already holds
    /// the messages: ReceiveMessage (10 at most each) until it has `batch_size` or the queue
    /// hands nothing more — the template's `BatchSize` with its batching window.
    pub async fn receive_batch(
        &self,
        url: &str,
        visibility_secs: i32,
        batch_size: usize,
    ) -> Vec<aws_sdk_sqs::types::Message> {
        let mut batch = Vec::new();
        while batch.len() < batch_size {
            let got = self.receive(url, visibility_secs).await;
            if got.is_empty() {
                break;
            }
            batch.extend(got);
        }
        batch
    }

    /// What the event-source mapping does after the handler: delete every message not named
    /// in the batch item failures, ten per DeleteMessageBatch.
    pub async fn delete_done(
        &self,
        url: &str,
        messages: &[aws_sdk_sqs::types::Message],
        failed: &[String],
    ) {
        let done: Vec<_> = messages
            .iter()
            .filter(|m| !failed.iter().any(|f| Some(f.as_str()) == m.message_id()))
            .collect();
        for chunk in done.chunks(10) {
            let entries = chunk.iter().enumerate().map(|(i, m)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .expect("entry")
            });
            let out = self
                .sqs
                .delete_message_batch()
                .queue_url(url)
                .set_entries(Some(entries.collect()))
                .send()
                .await
                .expect("DeleteMessageBatch");
            assert!(out.failed.is_empty(), "deletes failed: {:?}", out.failed);
        }
    }

    /// moto's state dump (sent mail lives under `ses`).
    pub async fn data_json(&self) -> serde_json::Value {
        reqwest::get(format!("{}/moto-api/data.json", self.endpoint))
            .await
            .expect("GET data.json")
            .json()
            .await
            .expect("data.json is JSON")
    }
}

fn aws_sdk_dynamodb_client(sdk: &aws_config::SdkConfig) -> aws::Clients {
    aws::Clients::new(sdk, None)
}
