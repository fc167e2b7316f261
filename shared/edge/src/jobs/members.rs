//! Member matching as a job: at connect, on the poll schedule when due, on demand. Each run's
//! summary is kept for the setup checklist and the schedule.

use crate::Edge;
use app::members::{MemberDirectory, MemberError, MemberReport};
use app::ports::{AppClients, Binding, CursorStore, Employee};
use app::settings::AppSettings;
use domain::AppId;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

const KEY: &str = "setup:members";

/// The last member sync of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMark {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub users: u64,
    pub newly_bound: u64,
    pub created: u64,
    pub unbound: u64,
    pub ambiguous: u64,
    /// Bound users no longer active in Salesforce.
    pub deactivated: u64,
}

impl MemberMark {
    pub async fn load(cursors: &dyn CursorStore, app: &AppId) -> Option<Self> {
        let raw = cursors.get(app, KEY).await.ok()??;
        serde_json::from_str(&raw).ok()
    }
}

/// Whether the schedule should match members now.
pub async fn due(st: &Edge, settings: &AppSettings, now: OffsetDateTime) -> bool {
    let every = Duration::minutes(i64::from(settings.member_sync.every_minutes));
    match MemberMark::load(st.cursors.as_ref(), &settings.app).await {
        Some(mark) => now - mark.at >= every,
        None => true,
    }
}

/// Match users to employees, bind the unambiguous matches, and — when the app says so —
/// create JING members for users nobody matched. Remembers the summary.
pub async fn sync(
    st: &Edge,
    settings: &AppSettings,
    clients: &AppClients,
) -> Result<MemberReport, MemberError> {
    let deps = st.member_deps(clients);
    let (mut report, mut directory) = app::members::sync_members_read(&deps, settings).await?;
    let mut created = 0;
    if settings.member_sync.create_unmatched && !report.disabled {
        for user in std::mem::take(&mut report.unbound) {
            match app::members::create_as_new_member(&deps, &settings.app, &user).await {
                Ok(b) => {
                    created += 1;
                    if let Some(d) = directory.as_mut() {
                        note_created(d, &b);
                    }
                }
                Err(MemberError::WouldDuplicate { .. }) => report.unbound.push(user),
                Err(e) => return Err(e),
            }
        }
    }
    if let Some(d) = &directory {
        store_directory(st, &settings.app, d).await;
    }
    let mark = MemberMark {
        at: st.clock.now(),
        users: report.users,
        newly_bound: report.bound.len() as u64,
        created,
        unbound: report.unbound.len() as u64,
        ambiguous: report.ambiguous.len() as u64,
        deactivated: report.deactivated.len() as u64,
    };
    let raw = serde_json::to_string(&mark).unwrap_or_default();
    if let Err(e) = st.cursors.put(&settings.app, KEY, &raw).await {
        tracing::warn!(app_id = %settings.app, error = %e, "Could not save the member sync summary.");
    }
    Ok(report)
}

/// Keep what a member sync read for the members page (best effort: the page says how old
/// its directory is, and the next sync writes it again).
async fn store_directory(st: &Edge, app: &AppId, directory: &MemberDirectory) {
    if let Err(e) = app::members::save_directory(st.cursors.as_ref(), app, directory).await {
        tracing::warn!(app_id = %app, error = %e, "Could not store the member directory.");
    }
}

/// The employee the connector just created for a user, as the directory lists it until the
/// next sync reads it from JING (it was created from the user's name and contacts).
pub(crate) fn note_created(directory: &mut MemberDirectory, b: &Binding) {
    let user = directory.users.iter().find(|u| u.id == b.sf_id).cloned();
    directory.add_employee(Employee {
        id: b.jing_id.clone(),
        name: user
            .as_ref()
            .map_or_else(|| b.name.clone(), |u| u.name.clone()),
        mobile: user.as_ref().and_then(|u| u.mobile.clone()),
        email: user.and_then(|u| u.email),
    });
}

/// After a create from the members page: the stored directory lists the new employee.
pub(crate) async fn remember_created(st: &Edge, app: &AppId, b: &Binding) {
    match app::members::load_directory(st.cursors.as_ref(), app).await {
        Ok(Some(mut d)) => {
            note_created(&mut d, b);
            store_directory(st, app, &d).await;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "Could not read the member directory.")
        }
    }
}
