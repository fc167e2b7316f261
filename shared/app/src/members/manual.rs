//! Manual member binding by the admin: bind, rebind, create as a new JING member.

use super::{BindHow, MemberDeps, MemberError, member_binding};
use crate::ports::{Binding, Employee, NewEmployee, SfUser};
use domain::identity::{normalize_email, normalize_mobile, same_person};
use domain::{AppId, JingId, ObjectKind, SfId};
use serde::{Deserialize, Serialize};

/// What a rebind released to make room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RebindReport {
    pub binding: Binding,
    /// The employee the user was bound to before (now unbound), if different.
    pub released_employee: Option<JingId>,
    /// The user the employee was bound to before (now unbound), if different.
    pub released_user: Option<SfId>,
}

async fn find_user(deps: &MemberDeps<'_>, user: &SfId) -> Result<SfUser, MemberError> {
    let users = deps.sf.users().await?;
    users
        .into_iter()
        .find(|u| &u.id == user)
        .ok_or_else(|| MemberError::UnknownUser(user.clone()))
}

async fn find_employee(deps: &MemberDeps<'_>, employee: &JingId) -> Result<Employee, MemberError> {
    let employees = deps.jing.employees().await?;
    employees
        .into_iter()
        .find(|e| &e.id == employee)
        .ok_or_else(|| MemberError::UnknownEmployee(employee.clone()))
}

/// Bind a user to an employee by hand. Refuses when either is bound to someone else (use
/// [`rebind`]); binding the same pair again is a no-op that returns the existing binding.
pub async fn bind(
    deps: &MemberDeps<'_>,
    app: &AppId,
    user: &SfId,
    employee: &JingId,
) -> Result<Binding, MemberError> {
    let u = find_user(deps, user).await?;
    find_employee(deps, employee).await?;
    if let Some(existing) = deps.bindings.by_sf(app, ObjectKind::Member, user).await? {
        if &existing.jing_id == employee {
            return Ok(existing);
        }
        return Err(MemberError::UserAlreadyBound {
            user: user.clone(),
            employee: existing.jing_id,
        });
    }
    if let Some(taken) = deps
        .bindings
        .by_jing(app, ObjectKind::Member, employee)
        .await?
    {
        return Err(MemberError::EmployeeTaken {
            employee: employee.clone(),
            user: taken.sf_id,
        });
    }
    let binding = member_binding(deps, app, &u, employee, BindHow::Manual);
    deps.bindings.put(&binding, None).await?;
    tracing::info!(app_id = %app, "Member bound manually.");
    Ok(binding)
}

/// Bind a user to an employee, releasing whatever either was bound to before.
pub async fn rebind(
    deps: &MemberDeps<'_>,
    app: &AppId,
    user: &SfId,
    employee: &JingId,
) -> Result<RebindReport, MemberError> {
    let u = find_user(deps, user).await?;
    find_employee(deps, employee).await?;
    let mut report = RebindReport {
        binding: member_binding(deps, app, &u, employee, BindHow::Manual),
        released_employee: None,
        released_user: None,
    };
    if let Some(old) = deps.bindings.by_sf(app, ObjectKind::Member, user).await? {
        deps.bindings.remove(app, ObjectKind::Member, user).await?;
        report.released_employee = (&old.jing_id != employee).then_some(old.jing_id);
    }
    if let Some(old) = deps
        .bindings
        .by_jing(app, ObjectKind::Member, employee)
        .await?
    {
        deps.bindings
            .remove(app, ObjectKind::Member, &old.sf_id)
            .await?;
        report.released_user = Some(old.sf_id);
    }
    deps.bindings.put(&report.binding, None).await?;
    tracing::info!(app_id = %app, "Member re-bound manually.");
    Ok(report)
}

/// Create a JING employee from the user's name, mobile and e-mail, then bind the two. Refuses
/// when the user is bound, or when an employee already has the user's mobile or e-mail (bind to
/// it instead: creating would make a duplicate member).
pub async fn create_as_new_member(
    deps: &MemberDeps<'_>,
    app: &AppId,
    user: &SfId,
) -> Result<Binding, MemberError> {
    let u = find_user(deps, user).await?;
    if let Some(existing) = deps.bindings.by_sf(app, ObjectKind::Member, user).await? {
        return Err(MemberError::UserAlreadyBound {
            user: user.clone(),
            employee: existing.jing_id,
        });
    }
    let employees = deps.jing.employees().await?;
    let twin = employees.iter().find(|e| {
        same_person(
            u.mobile.as_deref(),
            u.email.as_deref(),
            e.mobile.as_deref(),
            e.email.as_deref(),
        )
    });
    if let Some(e) = twin {
        return Err(MemberError::WouldDuplicate {
            employee: e.id.clone(),
        });
    }
    let new = NewEmployee {
        name: u.name.clone(),
        mobile: u.mobile.as_deref().and_then(normalize_mobile),
        email: u.email.as_deref().and_then(normalize_email),
    };
    let employee = deps.jing.create_employee(&new).await?;
    // Should this put fail, the new employee has the user's mobile/e-mail, so the next
    // `sync_members` binds the two automatically: nothing is orphaned for good.
    let binding = member_binding(deps, app, &u, &employee, BindHow::Created);
    deps.bindings.put(&binding, None).await?;
    tracing::info!(app_id = %app, "Created a JING member for a Salesforce user.");
    Ok(binding)
}
