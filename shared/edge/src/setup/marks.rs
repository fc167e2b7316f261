//! When each push endpoint last received something, per app — the setup checklist's proof that
//! Salesforce and JING were registered. Written to the cursor store at most once a minute per
//! app and endpoint by each process, so a busy push path adds no store write per message.

use app::ports::CursorStore;
use domain::AppId;
use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// How stale a "last received" may be.
const EVERY: Duration = Duration::minutes(1);

/// The cursor key of an endpoint's mark (`outbound:Lead`, `webhook`).
pub fn key(endpoint: &str) -> String {
    format!("seen:{endpoint}")
}

/// What this process last wrote, per (app, endpoint).
#[derive(Debug, Default)]
pub struct Marks {
    written: Mutex<HashMap<(AppId, String), OffsetDateTime>>,
}

impl Marks {
    /// Remember that `endpoint` of `app` received something `now` (best effort).
    pub async fn seen(
        &self,
        cursors: &dyn CursorStore,
        app: &AppId,
        endpoint: &str,
        now: OffsetDateTime,
    ) {
        let due = {
            let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
            let k = (app.clone(), endpoint.to_owned());
            match written.get(&k) {
                Some(at) if now - *at < EVERY => false,
                _ => {
                    written.insert(k, now);
                    true
                }
            }
        };
        if !due {
            return;
        }
        let value = domain::datetime::format_sf(now);
        if let Err(e) = cursors.put(app, &key(endpoint), &value).await {
            tracing::warn!(app_id = %app, endpoint, error = %e, "Could not record the last delivery.");
        }
    }

    /// Forget what was written for an app (deleted apps).
    pub fn forget(&self, app: &AppId) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        written.retain(|(a, _), _| a != app);
    }
}

/// When `endpoint` of `app` last received something, as far as any process recorded it.
pub async fn last(
    cursors: &dyn CursorStore,
    app: &AppId,
    endpoint: &str,
) -> Option<OffsetDateTime> {
    let raw = cursors.get(app, &key(endpoint)).await.ok()??;
    domain::datetime::parse_sf(&raw).ok()
}
