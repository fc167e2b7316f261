//! AWS adapters of the connector's ports (crate `jingsf-aws`, imported as `aws`):
//!
//! - [`dynamo`]: bindings, cursors, idempotency, quota, parked changes, settings, errors, sync
//!   log and ledger on four DynamoDB tables (key design: docs/storage.md);
//! - [`sqs::SqsChangeQueue`]: the changes queue with its dead-letter queue;
//! - [`secrets::SecretsVault`]: tokens in Secrets Manager, cached per container;
//! - [`ses::SesMailer`]: the error digest through SES v2.
//!
//! [`Adapters::from_env`] builds them all from [`config::AwsConfig`]; [`provision`] creates the
//! tables and queues for the CLI, local development and tests.

pub mod calls;
pub mod config;
pub mod dynamo;
mod error;
pub mod init_runs;
mod mime;
pub mod provision;
pub mod secrets;
pub mod ses;
pub mod sqs;

pub use config::{AwsConfig, ConfigError, QueueUrls, Tables, sdk_config};

use dynamo::*;

/// Every AWS adapter, built once per container.
#[derive(Debug)]
pub struct Adapters {
    pub bindings: DynamoBindingStore,
    pub cursors: DynamoCursorStore,
    pub idempotency: DynamoIdempotencyStore,
    pub claims: DynamoRecordClaims,
    pub quota: DynamoQuotaStore,
    pub parked: DynamoParkedStore,
    pub settings: DynamoSettingsStore,
    pub errors: DynamoErrorStore,
    pub sync_log: DynamoSyncLog,
    pub ledger: DynamoLedger,
    pub decisions: DynamoDecisionLog,
    pub queue: sqs::SqsChangeQueue,
    pub vault: secrets::SecretsVault,
    pub mailer: ses::SesMailer,
    pub app_data: DynamoAppData,
    pub init_runs: init_runs::SqsInitRuns,
}

impl Adapters {
    /// Read [`AwsConfig::from_env`] and the SDK config, build every client once.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = AwsConfig::from_env()?;
        Ok(Self::new(&sdk_config().await, &config))
    }

    pub fn new(sdk: &aws_config::SdkConfig, config: &AwsConfig) -> Self {
        Self::build(sdk, config, None)
    }

    /// Like [`new`](Self::new), counting every API call in `counter`.
    pub fn with_counter(
        sdk: &aws_config::SdkConfig,
        config: &AwsConfig,
        counter: &calls::CallCounter,
    ) -> Self {
        Self::build(sdk, config, Some(counter))
    }

    fn build(
        sdk: &aws_config::SdkConfig,
        config: &AwsConfig,
        counter: Option<&calls::CallCounter>,
    ) -> Self {
        let clients = Clients::new(sdk, counter);
        let dynamo = clients.dynamo;
        let app_data = DynamoAppData::new(dynamo.clone(), config.tables.clone());
        let init_runs = init_runs::SqsInitRuns::new(clients.sqs.clone(), config.init_queue.clone());
        let t = &config.tables;
        Self {
            bindings: DynamoBindingStore::new(dynamo.clone(), &t.bindings),
            cursors: DynamoCursorStore::new(dynamo.clone(), &t.state),
            idempotency: DynamoIdempotencyStore::new(dynamo.clone(), &t.state),
            claims: DynamoRecordClaims::new(dynamo.clone(), &t.state),
            quota: DynamoQuotaStore::new(dynamo.clone(), &t.state),
            parked: DynamoParkedStore::new(dynamo.clone(), &t.state),
            settings: DynamoSettingsStore::new(dynamo.clone(), &t.apps, &t.state),
            errors: DynamoErrorStore::new(dynamo.clone(), &t.activity),
            sync_log: DynamoSyncLog::new(dynamo.clone(), &t.activity),
            ledger: DynamoLedger::new(dynamo.clone(), &t.activity),
            decisions: DynamoDecisionLog::new(dynamo, &t.activity),
            queue: sqs::SqsChangeQueue::new(clients.sqs, config.queues.clone()),
            vault: secrets::SecretsVault::new(
                clients.secrets,
                &config.secret_prefix,
                config.secret_cache_ttl,
            ),
            mailer: ses::SesMailer::new(clients.ses, &config.ses_sender),
            app_data,
            init_runs,
        }
    }

    /// Every port of the AWS deployment (each adapter moves behind its own `Arc`; the vault's
    /// cache is inside it, so it stays one per container).
    pub fn ports(self, clock: std::sync::Arc<dyn app::ports::Clock>) -> app::ports::Ports {
        use std::sync::Arc;
        app::ports::Ports {
            settings: Arc::new(self.settings),
            bindings: Arc::new(self.bindings),
            errors: Arc::new(self.errors),
            sync_log: Arc::new(self.sync_log),
            ledger: Arc::new(self.ledger),
            decisions: Arc::new(self.decisions),
            quota: Arc::new(self.quota),
            parked: Arc::new(self.parked),
            queue: Arc::new(self.queue),
            cursors: Arc::new(self.cursors),
            idempotency: Arc::new(self.idempotency),
            vault: Arc::new(self.vault),
            mailer: Arc::new(self.mailer),
            app_data: Arc::new(self.app_data),
            init_runs: Arc::new(self.init_runs),
            claims: Arc::new(self.claims),
            // Initialization creates go through sObject Collections here: staging for Bulk API
            // 2.0 ingest jobs is the embedded store's (docs/storage.md).
            staging: None,
            clock,
        }
    }
}

/// One client per service, optionally counting calls.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamo: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ses: aws_sdk_sesv2::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig, counter: Option<&calls::CallCounter>) -> Self {
        let Some(counter) = counter else {
            return Self {
                dynamo: aws_sdk_dynamodb::Client::new(sdk),
                sqs: aws_sdk_sqs::Client::new(sdk),
                secrets: aws_sdk_secretsmanager::Client::new(sdk),
                ses: aws_sdk_sesv2::Client::new(sdk),
            };
        };
        let c = counter.clone();
        Self {
            dynamo: aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(sdk)
                    .interceptor(c.clone())
                    .build(),
            ),
            sqs: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::config::Builder::from(sdk)
                    .interceptor(c.clone())
                    .build(),
            ),
            secrets: aws_sdk_secretsmanager::Client::from_conf(
                aws_sdk_secretsmanager::config::Builder::from(sdk)
                    .interceptor(c.clone())
                    .build(),
            ),
            ses: aws_sdk_sesv2::Client::from_conf(
                aws_sdk_sesv2::config::Builder::from(sdk)
                    .interceptor(c)
                    .build(),
            ),
        }
    }
}
