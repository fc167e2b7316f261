//! The shared contract suites on the DynamoDB adapters, each on fresh tables.

use crate::common::moto;
use app::contract;
use aws::dynamo::*;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::binding_store(&DynamoBindingStore::new(
        m.clients.dynamo.clone(),
        &t.bindings,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::cursor_store(&DynamoCursorStore::new(m.clients.dynamo.clone(), &t.state)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::idempotency_store(&DynamoIdempotencyStore::new(
        m.clients.dynamo.clone(),
        &t.state,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_claims_pass_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::record_claims(&DynamoRecordClaims::new(m.clients.dynamo.clone(), &t.state)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_log_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::decision_log(&DynamoDecisionLog::new(
        m.clients.dynamo.clone(),
        &t.activity,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::ledger(&DynamoLedger::new(m.clients.dynamo.clone(), &t.activity)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::quota_store(&DynamoQuotaStore::new(m.clients.dynamo.clone(), &t.state)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_store_passes_the_spawned_concurrency_contract() {
    let m = moto().await;
    let t = m.tables().await;
    let store = Arc::new(DynamoQuotaStore::new(m.clients.dynamo.clone(), &t.state));
    contract::quota_store_spawned(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::parked_store(&DynamoParkedStore::new(m.clients.dynamo.clone(), &t.state)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::settings_store(&DynamoSettingsStore::new(
        m.clients.dynamo.clone(),
        &t.apps,
        &t.state,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_store_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::error_store(&DynamoErrorStore::new(
        m.clients.dynamo.clone(),
        &t.activity,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_log_passes_the_contract() {
    let m = moto().await;
    let t = m.tables().await;
    contract::sync_log(&DynamoSyncLog::new(m.clients.dynamo.clone(), &t.activity)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_data_passes_the_contract() {
    let m = moto().await;
    let config = aws::AwsConfig {
        tables: m.tables().await,
        queues: m.queues(5).await,
        secret_prefix: crate::common::unique("jp"),
        ses_sender: "noreply@example.com".into(),
        secret_cache_ttl: std::time::Duration::from_secs(300),
        init_queue: None,
    };
    let clock: Arc<dyn app::ports::Clock> = Arc::new(app::fakes::FixedClock::default());
    let ports = aws::Adapters::new(&m.sdk, &config).ports(clock);
    // SQS cannot select an app's messages: the writer drops changes of a deleted app.
    contract::app_data(&ports, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_requeue_loses_nothing() {
    let m = moto().await;
    let t = m.tables().await;
    let store = DynamoParkedStore::new(m.clients.dynamo.clone(), &t.state);
    contract::parked_requeue_loses_nothing(Arc::new(store)).await;
}
