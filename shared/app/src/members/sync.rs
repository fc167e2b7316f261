//! Automatic member sync and the member list.

use super::directory::{DirectoryQuery, MemberDirectory};
use super::matching::{Ambiguity, auto_match};
use super::{
    BindHow, MatchKey, MemberDeps, MemberError, all_member_bindings, mask, member_binding,
};
use crate::ports::{Binding, Employee, SfUser, StoreError};
use crate::settings::AppSettings;
use domain::{AppId, JingId, ObjectKind, SfId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A binding made by [`sync_members`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBinding {
    pub user: SfId,
    pub employee: JingId,
    pub by: MatchKey,
}

/// What one member sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberReport {
    /// Member sync is off for the app (or the app is off): nothing was read or written.
    pub disabled: bool,
    /// Active Salesforce users and JING employees read.
    pub users: u64,
    pub employees: u64,
    /// Active users bound before this run.
    pub already_bound: u64,
    pub bound: Vec<NewBinding>,
    /// Active users with no matching employee: bind manually or create as new members.
    pub unbound: Vec<SfId>,
    pub ambiguous: Vec<Ambiguity>,
    /// Bound users who are no longer active in Salesforce (their binding stays; shown so the
    /// admin can rebind their records' owners).
    #[serde(default)]
    pub deactivated: Vec<SfId>,
    /// Remote calls made (one user listing, one employee listing).
    pub calls: u64,
}

/// Match unbound active users to employees and bind the unambiguous matches. Never writes to
/// Salesforce. Run before leads and accounts sync: owners translate through these bindings.
pub async fn sync_members(
    deps: &MemberDeps<'_>,
    settings: &AppSettings,
) -> Result<MemberReport, MemberError> {
    Ok(sync_members_read(deps, settings).await?.0)
}

/// [`sync_members`], also handing back what it read (the directory the members page lists;
/// `None` when member sync is off and nothing was read).
pub async fn sync_members_read(
    deps: &MemberDeps<'_>,
    settings: &AppSettings,
) -> Result<(MemberReport, Option<MemberDirectory>), MemberError> {
    if !settings.enabled || settings.object(ObjectKind::Member).is_none() {
        let off = MemberReport {
            disabled: true,
            ..MemberReport::default()
        };
        return Ok((off, None));
    }
    let app = &settings.app;
    let all_users = deps.sf.users().await?;
    let employees = deps.jing.employees().await?;
    let directory = MemberDirectory {
        taken_at: deps.clock.now(),
        users: all_users.clone(),
        employees: employees.clone(),
    };
    let bindings = all_member_bindings(deps.bindings, app).await?;
    let owner_of = owners(&bindings);
    let bound: HashSet<&SfId> = bindings.iter().map(|b| &b.sf_id).collect();
    let deactivated = all_users
        .iter()
        .filter(|u| !u.active && bound.contains(&u.id))
        .map(|u| u.id.clone())
        .collect();
    let users: Vec<SfUser> = active_sorted(all_users);
    let unbound: Vec<&SfUser> = users.iter().filter(|u| !bound.contains(&u.id)).collect();
    let matches = auto_match(&unbound, &employees, &owner_of);
    let mut report = MemberReport {
        users: users.len() as u64,
        employees: employees.len() as u64,
        already_bound: (users.len() - unbound.len()) as u64,
        unbound: matches.unmatched,
        ambiguous: matches.ambiguous,
        deactivated,
        calls: 2,
        ..MemberReport::default()
    };
    bind_matches(deps, app, &unbound, matches.bind, &mut report).await?;
    tracing::info!(app_id = %app, bound = report.bound.len(), unbound = report.unbound.len(), ambiguous = report.ambiguous.len(), "Synced members.");
    Ok((report, Some(directory)))
}

/// Employee → user of every binding.
pub(super) fn owners(bindings: &[Binding]) -> HashMap<JingId, SfId> {
    bindings
        .iter()
        .map(|b| (b.jing_id.clone(), b.sf_id.clone()))
        .collect()
}

async fn bind_matches(
    deps: &MemberDeps<'_>,
    app: &AppId,
    users: &[&SfUser],
    matches: Vec<(SfId, JingId, MatchKey)>,
    report: &mut MemberReport,
) -> Result<(), MemberError> {
    let by_id: HashMap<&SfId, &SfUser> = users.iter().map(|u| (&u.id, *u)).collect();
    for (user_id, employee, by) in matches {
        let Some(user) = by_id.get(&user_id) else {
            continue;
        };
        let binding = member_binding(deps, app, user, &employee, BindHow::Auto(by));
        match deps.bindings.put(&binding, None).await {
            Ok(()) => report.bound.push(NewBinding {
                user: user_id,
                employee,
                by,
            }),
            // An admin bound one of the two meanwhile: their choice stands.
            Err(StoreError::Conflict(_)) => report.unbound.push(user_id),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn active_sorted(mut users: Vec<SfUser>) -> Vec<SfUser> {
    users.retain(|u| u.active);
    users.sort_by(|a, b| a.id.cmp(&b.id));
    users
}

/// A member's state in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MemberState {
    Bound {
        jing_id: JingId,
        /// The employee's name, when the employee still exists in JING.
        employee_name: Option<String>,
        how: BindHow,
    },
    Unbound,
    Ambiguous(Ambiguity),
}

/// One Salesforce user in the member list (contacts masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: SfId,
    pub name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub active: bool,
    pub state: MemberState,
}

/// Every active user, plus inactive users that are still bound, with their state, read from
/// both sides now (two remote calls; the members page lists the stored [`MemberDirectory`]
/// instead). Unbound users are matched as [`sync_members`] would, so the admin sees why.
pub async fn list_members(
    deps: &MemberDeps<'_>,
    settings: &AppSettings,
) -> Result<Vec<MemberRow>, MemberError> {
    let directory = MemberDirectory {
        taken_at: deps.clock.now(),
        users: deps.sf.users().await?,
        employees: deps.jing.employees().await?,
    };
    let bindings = all_member_bindings(deps.bindings, &settings.app).await?;
    let all = DirectoryQuery {
        limit: usize::MAX,
        ..DirectoryQuery::default()
    };
    Ok(directory.members(&bindings, &all).items)
}

pub(super) fn bound_state(b: &Binding, employees: &[Employee]) -> MemberState {
    MemberState::Bound {
        jing_id: b.jing_id.clone(),
        employee_name: employees
            .iter()
            .find(|e| e.id == b.jing_id)
            .map(|e| e.name.clone()),
        how: BindHow::of(b),
    }
}

pub(super) fn row(u: &SfUser, state: MemberState) -> MemberRow {
    MemberRow {
        user_id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.as_deref().map(mask::mask_email),
        mobile: u.mobile.as_deref().map(mask::mask_mobile),
        active: u.active,
        state,
    }
}
