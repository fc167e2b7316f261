//! Initialization runs: steps of one app's initialization within a budget of steps and time,
//! and when the next run should come. The init-backfill function runs as many steps as its
//! invocation allows and requests the next run on its queue; serve runs one step per turn of
//! its loop, so the writer drains between chunks.

use crate::Edge;
use app::init::{InitError, StepReport, step_report};
use app::settings::InitState;
use domain::AppId;
use std::time::{Duration, Instant};

/// How much one run may do.
#[derive(Debug, Clone, Copy)]
pub struct RunBudget {
    pub max_steps: u32,
    /// Stop before a step when less than `reserve` is left until this instant.
    pub deadline: Option<Instant>,
    /// A chunk is one Salesforce page (2,000 records over REST, 10,000 over Bulk API 2.0) plus
    /// its queue sends: well under a minute.
    pub reserve: Duration,
    /// While a Bulk job runs, ask again after at most this pause (each ask is an API call;
    /// initialization asks a young job sooner).
    pub bulk_wait: Duration,
}

impl RunBudget {
    /// One step (serve's loop).
    pub fn one_step() -> Self {
        Self {
            max_steps: 1,
            deadline: None,
            reserve: Duration::ZERO,
            bulk_wait: Duration::from_secs(30),
        }
    }

    fn time_left(&self) -> bool {
        self.deadline
            .is_none_or(|d| d.saturating_duration_since(Instant::now()) > self.reserve)
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitRun {
    pub state: InitState,
    pub steps: u32,
    /// When the next run should start; `None` when the initialization no longer runs.
    pub next: Option<Duration>,
}

/// Step `app`'s initialization within `budget`.
pub async fn init_run(st: &Edge, app: &AppId, budget: RunBudget) -> Result<InitRun, InitError> {
    let settings = st
        .settings
        .get(app)
        .await?
        .ok_or_else(|| InitError::UnknownApp(app.to_string()))?;
    let clients = st
        .connections
        .clients(&settings)
        .await
        .map_err(|e| InitError::Store(e.to_string()))?;
    let deps = st.init_deps(&clients);
    let mut run = InitRun {
        state: settings.init.clone(),
        steps: 0,
        next: None,
    };
    while run.steps < budget.max_steps && budget.time_left() {
        run.steps += 1;
        match step_report(&deps, app).await {
            Ok(StepReport {
                state,
                waiting_for_bulk_job,
                ask_again_in,
            }) => {
                let running = matches!(state, InitState::Running { .. });
                run.state = state;
                if !running {
                    return Ok(run);
                }
                if waiting_for_bulk_job {
                    let wait = ask_again_in.map_or(budget.bulk_wait, |d| d.min(budget.bulk_wait));
                    run.next = Some(wait);
                    return Ok(run);
                }
            }
            // Finished or stopped meanwhile (a duplicate request): nothing to do.
            Err(InitError::NotRunning) => return Ok(run),
            Err(e) => return Err(e),
        }
    }
    run.next = Some(Duration::ZERO);
    Ok(run)
}
