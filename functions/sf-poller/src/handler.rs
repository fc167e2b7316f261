//! One function, two event sources: an EventBridge schedule (poll every enabled, connected app)
//! and API Gateway HTTP API requests (outbound messages, see [`crate::outbound`]).

use app::capture::poll;
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use domain::AppId;
use kit::Kit;
use serde::{Deserialize, Serialize};

/// What invokes the function. HTTP API events carry `requestContext`, scheduled events
/// `detail-type`; serde tries them in this order.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PollerEvent {
    Http(Box<ApiGatewayV2httpRequest>),
    Schedule(Box<EventBridgeEvent>),
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PollerResponse {
    Http(Box<ApiGatewayV2httpResponse>),
    Polled(PollSummary),
}

/// One scheduled run over every app.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct PollSummary {
    pub apps_polled: u64,
    pub enqueued: u64,
    pub deletes: u64,
    /// Deletes queued after checking bound records because Salesforce no longer remembered
    /// every delete (recycle bin emptied, poller down over 15 days).
    pub reconciled: u64,
    /// Apps skipped because they are off or not connected.
    pub apps_skipped: u64,
    /// Apps whose poll failed (logged; the cursor did not move, the next run catches up).
    pub failed: Vec<AppId>,
}

pub async fn handle(kit: &Kit, event: PollerEvent) -> PollerResponse {
    match event {
        PollerEvent::Http(req) => {
            PollerResponse::Http(Box::new(crate::outbound::handle(kit, &req).await))
        }
        PollerEvent::Schedule(_) => PollerResponse::Polled(poll_all(kit).await),
    }
}

/// Poll every enabled, connected app; one app's failure does not stop the others.
pub async fn poll_all(kit: &Kit) -> PollSummary {
    let mut summary = PollSummary::default();
    let apps = match kit.all_settings().await {
        Ok(apps) => apps,
        Err(e) => {
            tracing::error!(error = %e, "Could not list the apps; nothing polled.");
            return summary;
        }
    };
    for settings in apps {
        if !settings.enabled || settings.authorized.is_none() {
            summary.apps_skipped += 1;
            continue;
        }
        let app = settings.app.clone();
        let result = match kit.remotes(&settings).await {
            Ok(r) => poll(&kit.poll_deps(&r), &settings)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(r) => {
                tracing::info!(app_id = %app, enqueued = r.enqueued, deletes = r.deletes, reconciled = r.reconciled, "Polled Salesforce.");
                summary.apps_polled += 1;
                summary.enqueued += r.enqueued;
                summary.deletes += r.deletes;
                summary.reconciled += r.reconciled;
            }
            Err(e) => {
                tracing::warn!(app_id = %app, error = %e, "Poll failed; the next run catches up.");
                summary.failed.push(app);
            }
        }
    }
    summary
}
