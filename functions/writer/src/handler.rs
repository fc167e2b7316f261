//! SQS batch of `Change` messages → `app::write::apply` per app → the ids to redeliver.
//!
//! A message is reported failed (SQS redelivers it after the visibility timeout; after
//! `maxReceiveCount` receives it lands in the DLQ) when it does not decode, names an unknown or
//! unconnected app, or its outcome is `Retry`. Applied, skipped, parked and permanently failed
//! (recorded in the error list) messages are done.

use app::write::{Outcome, apply};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::{AppId, Change};
use kit::Kit;
use kit::sqs::{Decoded, batch_response, decode_batch};
use std::collections::BTreeMap;

pub async fn handle(kit: &Kit, event: SqsEvent) -> SqsBatchResponse {
    let batch = decode_batch::<Change>(&event);
    let mut failed = batch.undecodable;
    let mut by_app: BTreeMap<AppId, Vec<Decoded<Change>>> = BTreeMap::new();
    for m in batch.messages {
        by_app.entry(m.body.app.clone()).or_default().push(m);
    }
    for (app, messages) in by_app {
        failed.extend(apply_app(kit, &app, messages).await);
    }
    tracing::info!(
        messages = event.records.len(),
        failed = failed.len(),
        "Writer batch done."
    );
    batch_response(failed)
}

/// Apply one app's changes; returns the ids to redeliver.
async fn apply_app(kit: &Kit, app: &AppId, messages: Vec<Decoded<Change>>) -> Vec<String> {
    let ids = || messages.iter().map(|m| m.message_id.clone()).collect();
    let settings = match kit.settings(app).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::error!(app_id = %app, count = messages.len(), "Changes of an unknown app; they go to the DLQ.");
            return ids();
        }
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Settings unavailable; retrying the app's changes.");
            return ids();
        }
    };
    let remotes = match kit.remotes(&settings).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Clients unavailable; retrying the app's changes.");
            return ids();
        }
    };
    let changes = messages.iter().map(|m| m.body.clone()).collect();
    let report = apply(&kit.writer_deps(&remotes), &settings, changes).await;
    tracing::info!(app_id = %app, counts = ?report.counts, "Applied.");
    messages
        .iter()
        .zip(&report.outcomes)
        .filter(|(m, outcome)| redeliver(m, outcome))
        .map(|(m, _)| m.message_id.clone())
        .collect()
}

/// Log one message's outcome in its own span; `true` when it must be redelivered.
fn redeliver(m: &Decoded<Change>, outcome: &Outcome) -> bool {
    let span = tracing::info_span!("message", message_id = %m.message_id, object = %m.body.object);
    let _guard = span.enter();
    match outcome {
        Outcome::Retry(e) => {
            tracing::warn!(receive_count = m.receive_count, code = ?e.code, "Temporary failure; redelivering.");
            true
        }
        Outcome::Failed(e) => {
            tracing::info!(code = ?e.code, "Recorded as a record error.");
            false
        }
        other => {
            tracing::debug!(outcome = ?other, "Done.");
            false
        }
    }
}
