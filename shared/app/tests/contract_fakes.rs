//! Every contract suite against the in-memory fakes.

use app::contract;
use app::fakes::*;
use jingsf_app as app;
use std::sync::Arc;

#[tokio::test]
async fn fake_binding_store_passes_the_contract() {
    contract::binding_store(&MemBindingStore::default()).await;
}

#[tokio::test]
async fn fake_error_store_passes_the_contract() {
    contract::error_store(&MemErrorStore::default()).await;
}

#[tokio::test]
async fn fake_sync_log_passes_the_contract() {
    contract::sync_log(&MemSyncLog::default()).await;
}

#[tokio::test]
async fn fake_cursor_store_passes_the_contract() {
    contract::cursor_store(&MemCursorStore::default()).await;
}

#[tokio::test]
async fn fake_record_claims_pass_the_contract() {
    contract::record_claims(&jingsf_app::fakes::MemRecordClaims::default()).await;
}

#[tokio::test]
async fn fake_idempotency_store_passes_the_contract() {
    contract::idempotency_store(&MemIdempotencyStore::default()).await;
}

#[tokio::test]
async fn fake_ledger_passes_the_contract() {
    contract::ledger(&MemLedger::default()).await;
}

#[tokio::test]
async fn fake_decision_log_passes_the_contract() {
    contract::decision_log(&MemDecisionLog::default()).await;
}

#[tokio::test]
async fn fake_quota_store_passes_the_contract() {
    contract::quota_store(&MemQuotaStore::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fake_quota_store_holds_under_spawned_concurrency() {
    let store = Arc::new(MemQuotaStore::default());
    contract::quota_store_spawned(store).await;
}

#[tokio::test]
async fn fake_parked_store_passes_the_contract() {
    contract::parked_store(&MemParkedStore::default()).await;
}

#[tokio::test]
async fn fake_settings_store_passes_the_contract() {
    contract::settings_store(&MemSettingsStore::default()).await;
}

#[tokio::test]
async fn fake_token_vault_passes_the_contract() {
    contract::token_vault(&MemTokenVault::default()).await;
}

#[tokio::test]
async fn fake_mailer_passes_the_contract() {
    let mailer = MemMailer::default();
    contract::mailer(&mailer, &mailer).await;
}

#[tokio::test]
async fn fake_queue_passes_the_contract() {
    let clock = FixedClock::default();
    let queue = MemQueue::new(Arc::new(clock.clone()), 4);
    contract::change_queue(&queue, &clock, 4).await;
}

#[tokio::test]
async fn fake_queue_on_the_wall_clock_passes_the_contract() {
    let queue = MemQueue::new(Arc::new(app::ports::SystemClock), 3);
    let time = contract::WallClock {
        visibility: std::time::Duration::from_secs(2),
    };
    contract::change_queue(&queue, &time, 3).await;
}

#[tokio::test]
async fn fake_queue_dead_letters_undecodable_bodies_verbatim() {
    let clock = FixedClock::default();
    let queue = MemQueue::new(Arc::new(clock.clone()), 4);
    queue.send_raw("{not a change");
    use app::ports::ChangeQueue;
    assert!(
        queue
            .receive(10, std::time::Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    let letters = queue.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].body, "{not a change");
    assert_eq!(queue.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn fake_mailer_can_be_told_to_fail() {
    use app::ports::{Mail, MailError, Mailer};
    let mailer = MemMailer::default();
    mailer.fail_with(Some(MailError::Unavailable("smtp down".into())));
    let mail = Mail {
        to: "a@b.cn".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
    };
    assert!(matches!(
        mailer.send(&mail).await,
        Err(MailError::Unavailable(_))
    ));
    assert!(mailer.sent().is_empty(), "a failed send delivers nothing");
}

#[test]
fn the_bundle_shares_one_clock() {
    use app::ports::Clock;
    let fakes = Fakes::new();
    fakes.clock.advance(std::time::Duration::from_secs(5));
    assert_eq!(
        fakes.clock.now(),
        FixedClock::DEFAULT_START + std::time::Duration::from_secs(5)
    );
}

#[tokio::test]
async fn fake_app_data_passes_the_contract() {
    contract::app_data(&Fakes::new().ports(), true).await;
}

#[tokio::test]
async fn fake_parked_requeue_loses_nothing() {
    contract::parked_requeue_loses_nothing(Arc::new(MemParkedStore::default())).await;
}

#[tokio::test]
async fn fake_staging_store_passes_the_contract() {
    contract::staging_store(&app::fakes::MemStagingStore::default()).await;
}
