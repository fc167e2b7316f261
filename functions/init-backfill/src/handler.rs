//! Initialization runs from the init queue: each message `{"app": "..."}` (sent when the admin
//! starts an initialization, or by the previous run) runs as many steps as the invocation's time
//! allows, then requests the next run when the initialization still runs (delayed while a Bulk
//! query job is being prepared by Salesforce).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::AppId;
use edge::jobs::{RunBudget, init_run};
use kit::sqs::{batch_response, decode_batch};
use serde::Deserialize;
use std::time::Duration;

/// One requested run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RunRequest {
    pub app: AppId,
}

/// How much one invocation may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_steps: u32,
    /// Stop when less than this is left before the invocation's deadline.
    pub reserve: Duration,
    /// While a Bulk query job runs, hand over with this delay.
    pub bulk_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_steps: 50,
            reserve: Duration::from_secs(180),
            bulk_wait: Duration::from_secs(30),
        }
    }
}

/// The function's state.
pub struct InitFunction {
    pub edge: edge::Edge,
    pub limits: Limits,
}

pub async fn handle(f: &InitFunction, event: SqsEvent, deadline_ms: u64) -> SqsBatchResponse {
    let batch = decode_batch::<RunRequest>(&event);
    let mut failed = batch.undecodable;
    let budget = RunBudget {
        max_steps: f.limits.max_steps,
        deadline: Some(kit::deadline(deadline_ms)),
        reserve: f.limits.reserve,
        bulk_wait: f.limits.bulk_wait,
    };
    for m in batch.messages {
        let span = tracing::info_span!("message", message_id = %m.message_id, app_id = %m.body.app);
        let _guard = span.enter();
        if let Err(e) = run(f, &m.body.app, budget).await {
            tracing::warn!(error = %e, "Initialization run failed; redelivering.");
            failed.push(m.message_id);
        }
    }
    batch_response(failed)
}

async fn run(f: &InitFunction, app: &AppId, budget: RunBudget) -> Result<(), String> {
    let run = init_run(&f.edge, app, budget)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(state = ?run.state, steps = run.steps, next = ?run.next, "Initialization run done.");
    if let Some(delay) = run.next {
        f.edge
            .init_runs
            .request(app, delay)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
