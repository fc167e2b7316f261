//! Members (成员): Salesforce users → JING employees, one way, matched by mobile or e-mail.
//!
//! The connector never creates, changes or deletes a Salesforce user: it reads the active users
//! (one call), reads the JING employees (one call), and binds matches in the [`BindingStore`]
//! under [`ObjectKind::Member`] (`sf_id` = user id, `jing_id` = employee id). The writer
//! translates lead and account owners through these bindings, so member sync runs first.
//!
//! - [`sync_members`]: auto-match unbound users and bind the unambiguous matches.
//! - [`list_members`]: every user with its state (bound, unbound, ambiguous), contacts masked.
//! - [`MemberDirectory`]: what the last sync read, stored ([`save_directory`]) so the members
//!   page searches, filters and pages it without a remote call.
//! - [`bind`], [`rebind`]: manual binding by the admin.
//! - [`create_as_new_member`]: create the JING employee from the user, then bind.

mod directory;
mod directory_store;
mod manual;
mod mask;
mod matching;
mod sync;

pub use directory::{BindFilter, DirectoryPage, DirectoryQuery, EmployeeRow, MemberDirectory};
pub use directory_store::{DirectoryStoreError, load_directory, save_directory};
pub use manual::{RebindReport, bind, create_as_new_member, rebind};
pub use mask::{mask_email, mask_mobile};
pub use matching::{Ambiguity, AmbiguityReason};
pub use sync::{
    MemberReport, MemberRow, MemberState, NewBinding, list_members, sync_members, sync_members_read,
};

use crate::ports::{
    Binding, BindingStore, Clock, JingPort, RemoteError, SalesforcePort, StoreError,
};
use domain::{AppId, JingId, ObjectKind, SfId, Value};
use serde::{Deserialize, Serialize};

/// Ports the member use cases need.
#[derive(Clone, Copy)]
pub struct MemberDeps<'a> {
    pub bindings: &'a dyn BindingStore,
    pub sf: &'a dyn SalesforcePort,
    pub jing: &'a dyn JingPort,
    pub clock: &'a dyn Clock,
}

/// Which identity an automatic match used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    Mobile,
    Email,
}

/// How a member binding came about (shown in the member list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", content = "by", rename_all = "snake_case")]
pub enum BindHow {
    /// Matched automatically by mobile or e-mail.
    Auto(MatchKey),
    /// Bound (or re-bound) by the admin.
    Manual,
    /// The admin created a new JING employee for the user.
    Created,
}

/// Key in `Binding::last_synced` that remembers [`BindHow`]. Salesforce field names start with
/// a letter, so a leading underscore can never collide with a synced field.
const HOW_KEY: &str = "_member_bound_by";

impl BindHow {
    fn as_str(self) -> &'static str {
        match self {
            Self::Auto(MatchKey::Mobile) => "auto_mobile",
            Self::Auto(MatchKey::Email) => "auto_email",
            Self::Manual => "manual",
            Self::Created => "created",
        }
    }

    /// Read back from a binding; a member binding made elsewhere counts as manual.
    pub fn of(binding: &Binding) -> Self {
        match binding.last_synced.get(HOW_KEY).and_then(Value::as_text) {
            Some(s) if s == "auto_mobile" => Self::Auto(MatchKey::Mobile),
            Some(s) if s == "auto_email" => Self::Auto(MatchKey::Email),
            Some(s) if s == "created" => Self::Created,
            _ => Self::Manual,
        }
    }
}

/// Why a member operation failed; each variant says what the caller does next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    /// Salesforce or JING refused or failed the call: follow `RemoteError::next_step`.
    #[error("remote call failed: {0}")]
    Remote(#[from] RemoteError),
    /// The binding store failed (a `Conflict` means another admin bound first: reload).
    #[error("binding store: {0}")]
    Store(#[from] StoreError),
    /// No such (active or inactive) Salesforce user: reload the member list.
    #[error("no Salesforce user {0}")]
    UnknownUser(SfId),
    /// No such JING employee: reload the member list.
    #[error("no JING employee {0}")]
    UnknownEmployee(JingId),
    /// The user is bound to another employee: use `rebind` to move it.
    #[error("user {user} is already bound to employee {employee}; rebind to change it")]
    UserAlreadyBound { user: SfId, employee: JingId },
    /// The employee is bound to another user: use `rebind` to take it over.
    #[error("employee {employee} is already bound to user {user}; rebind to change it")]
    EmployeeTaken { employee: JingId, user: SfId },
    /// An existing employee has the user's mobile or e-mail: bind to it instead of creating
    /// a duplicate member.
    #[error("employee {employee} already has this user's mobile or e-mail; bind to it instead")]
    WouldDuplicate { employee: JingId },
}

/// A fresh member binding, remembering how it was made and the user's name for lists.
fn member_binding(
    deps: &MemberDeps<'_>,
    app: &AppId,
    user: &crate::ports::SfUser,
    employee: &JingId,
    how: BindHow,
) -> Binding {
    let mut b = Binding::new(
        app.clone(),
        ObjectKind::Member,
        user.id.clone(),
        employee.clone(),
        deps.clock.now(),
    );
    b.name = user.name.clone();
    b.last_synced
        .insert(HOW_KEY.to_owned(), Value::Text(how.as_str().into()));
    b
}

/// Every member binding of an app, keyed by user id (paged through the store).
pub async fn all_member_bindings(
    bindings: &dyn BindingStore,
    app: &AppId,
) -> Result<Vec<Binding>, StoreError> {
    const PAGE: usize = 500;
    let mut out: Vec<Binding> = Vec::new();
    loop {
        let after = out.last().map(|b| b.sf_id.clone());
        let page = bindings
            .list(app, ObjectKind::Member, after.as_ref(), PAGE)
            .await?;
        let done = page.len() < PAGE;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}
