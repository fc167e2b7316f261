//! What follows a successful authorization: the permission pre-check, member matching, and the
//! changes held while the app was not connected back on the queue. Best effort: a failure is
//! logged and shows in the setup checklist; the connect itself stands.

use super::members;
use crate::Edge;
use app::connect::run_permission_check;
use domain::AppId;
use serde::Serialize;

/// What happened after a connect (for logs and the callback's redirect).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AfterConnect {
    pub permission_gaps: Option<usize>,
    pub members_bound: Option<usize>,
    pub requeued: u64,
    pub problems: Vec<String>,
}

pub async fn after_connect(st: &Edge, app: &AppId) -> AfterConnect {
    st.connections.forget(app);
    let mut out = AfterConnect::default();
    let settings = match st.settings.get(app).await {
        Ok(Some(s)) => s,
        Ok(None) => return out,
        Err(e) => {
            out.problems.push(format!("settings: {e}"));
            return out;
        }
    };
    match st.connections.clients(&settings).await {
        Ok(clients) => {
            let now = st.clock.now();
            match run_permission_check(clients.sf.as_ref(), st.cursors.as_ref(), &settings, now)
                .await
            {
                Ok(check) => out.permission_gaps = Some(check.gaps.len()),
                Err(e) => out.problems.push(format!("permission check: {e}")),
            }
            match members::sync(st, &settings, &clients).await {
                Ok(r) => out.members_bound = Some(r.bound.len()),
                Err(e) => out.problems.push(format!("member matching: {e}")),
            }
        }
        Err(e) => out.problems.push(e.to_string()),
    }
    match app::quota_reset::reset(&st.quota_deps(), &settings).await {
        Ok(r) => out.requeued = r.requeued,
        Err(e) => out.problems.push(format!("held changes: {e}")),
    }
    tracing::info!(app_id = %app, gaps = ?out.permission_gaps, members = ?out.members_bound, requeued = out.requeued, problems = out.problems.len(), "After connect.");
    out
}
