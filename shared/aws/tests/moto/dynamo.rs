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
    contract::settings_store(&DynamoSettingsStore::new(m.clients.dynamo.clone(), &t.apps)).await;
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
