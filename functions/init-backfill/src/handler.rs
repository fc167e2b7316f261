//! Invoked directly with `{"app": "...", "window_start": "<RFC 3339>"}` (or `"skip": true`) to
//! start; then from the continuation queue. Each invocation runs `app::init::step` at most
//! [`Limits::max_steps`] times and stops while at least [`Limits::reserve`] of its time is left,
//! then sends a continuation message if initialization still runs.

use crate::continuation::{Continuation, ContinuationQueue};
use app::init::{InitError, StepReport, start, step_report};
use app::settings::InitState;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use domain::AppId;
use kit::Kit;
use kit::sqs::{batch_response, decode_batch};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// The function's state.
pub struct InitFunction {
    pub kit: Kit,
    pub continuation: ContinuationQueue,
    pub limits: Limits,
}

/// How much one invocation may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_steps: u32,
    /// Stop when less than this is left before the invocation's deadline (a chunk is one
    /// Salesforce page, 2,000 records over REST or 10,000 over Bulk API 2.0, plus its queue
    /// sends: well under a minute).
    pub reserve: Duration,
    /// While a Bulk query job runs, hand over with this delay instead of stepping on: each
    /// step would only ask the job's state again (one API call).
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

/// The direct start request.
#[derive(Debug, Clone, Deserialize)]
pub struct StartRequest {
    pub app: AppId,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub window_start: Option<OffsetDateTime>,
    #[serde(default)]
    pub skip: bool,
}

/// What invokes the function: an SQS batch (has `Records`) or a start request.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum InitEvent {
    Continue(SqsEvent),
    Start(StartRequest),
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum InitResponse {
    Started { app: AppId, state: InitState },
    Continued(SqsBatchResponse),
}

/// Why a start failed (the caller fixes the request or waits).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("window_start is required unless skip is true")]
    NoWindow,
    #[error("{0}")]
    Init(#[from] InitError),
    #[error("{0}")]
    Continue(#[from] crate::continuation::ContinueError),
}

pub async fn handle(
    f: &InitFunction,
    event: InitEvent,
    deadline_ms: u64,
) -> Result<InitResponse, StartError> {
    match event {
        InitEvent::Start(req) => start_init(f, req).await,
        InitEvent::Continue(sqs) => Ok(InitResponse::Continued(
            continue_all(f, &sqs, deadline_ms).await,
        )),
    }
}

async fn start_init(f: &InitFunction, req: StartRequest) -> Result<InitResponse, StartError> {
    let settings = f.kit.settings(&req.app).await.map_err(InitError::from)?;
    let settings = settings.ok_or_else(|| InitError::UnknownApp(req.app.to_string()))?;
    let remotes = f
        .kit
        .remotes(&settings)
        .await
        .map_err(|e| InitError::Store(e.to_string()))?;
    let window_start = match (req.window_start, req.skip) {
        (Some(w), _) => w,
        (None, true) => f.kit.clock.now(),
        (None, false) => return Err(StartError::NoWindow),
    };
    let state = start(&f.kit.init_deps(&remotes), &req.app, window_start, req.skip).await?;
    if matches!(state, InitState::Running { .. }) {
        f.continuation
            .send(&Continuation {
                app: req.app.clone(),
            })
            .await?;
    }
    tracing::info!(app_id = %req.app, state = ?state, "Initialization started.");
    Ok(InitResponse::Started {
        app: req.app,
        state,
    })
}

async fn continue_all(f: &InitFunction, sqs: &SqsEvent, deadline_ms: u64) -> SqsBatchResponse {
    let batch = decode_batch::<Continuation>(sqs);
    let mut failed = batch.undecodable;
    for m in batch.messages {
        let span = tracing::info_span!("message", message_id = %m.message_id, app_id = %m.body.app);
        let _guard = span.enter();
        if let Err(e) = run_chunks(f, &m.body.app, deadline_ms).await {
            tracing::warn!(error = %e, "Initialization chunk failed; redelivering.");
            failed.push(m.message_id);
        }
    }
    batch_response(failed)
}

/// Milliseconds left before the invocation's deadline.
fn remaining(deadline_ms: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    Duration::from_millis(u64::try_from(u128::from(deadline_ms).saturating_sub(now)).unwrap_or(0))
}

/// Steps until done, the step bound, or the time reserve; hands over if still running.
async fn run_chunks(f: &InitFunction, app: &AppId, deadline_ms: u64) -> Result<(), StartError> {
    let settings = f.kit.settings(app).await.map_err(InitError::from)?;
    let settings = settings.ok_or_else(|| InitError::UnknownApp(app.to_string()))?;
    let remotes = f
        .kit
        .remotes(&settings)
        .await
        .map_err(|e| InitError::Store(e.to_string()))?;
    let deps = f.kit.init_deps(&remotes);
    let mut steps = 0;
    while steps < f.limits.max_steps && remaining(deadline_ms) > f.limits.reserve {
        steps += 1;
        match step_report(&deps, app).await {
            Ok(StepReport {
                state: InitState::Running { done, total },
                waiting_for_bulk_job: true,
            }) => {
                tracing::info!(
                    done,
                    total,
                    wait_s = f.limits.bulk_wait.as_secs(),
                    "Bulk query job still running; checking again after a pause."
                );
                let next = Continuation { app: app.clone() };
                f.continuation.send_after(&next, f.limits.bulk_wait).await?;
                return Ok(());
            }
            Ok(StepReport {
                state: InitState::Running { done, total },
                ..
            }) => {
                tracing::info!(done, total, "Initialization chunk done.");
            }
            Ok(StepReport { state, .. }) => {
                tracing::info!(state = ?state, steps, "Initialization finished.");
                return Ok(());
            }
            // Finished or stopped meanwhile (a duplicate continuation): nothing to do.
            Err(InitError::NotRunning) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(steps, "Handing over to the next invocation.");
    f.continuation
        .send(&Continuation { app: app.clone() })
        .await?;
    Ok(())
}
