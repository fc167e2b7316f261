//! The member directory: the Salesforce users and JING employees one member sync read, kept so
//! the members page is served without a remote call per view. The binding state is not frozen
//! in it: every view overlays the bindings as stored now (a bind made on the page shows at
//! once). Pure: search, filter and paging over the snapshot.

use super::mask;
use super::matching::auto_match;
use super::sync::{MemberRow, MemberState, bound_state, owners, row};
use crate::ports::{Binding, Employee, SfUser};
use domain::identity::{normalize_email, normalize_mobile};
use domain::{JingId, SfId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// What one member sync read from both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDirectory {
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
    pub users: Vec<SfUser>,
    pub employees: Vec<Employee>,
}

/// Which rows a listing keeps, by binding state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindFilter {
    Bound,
    /// Not bound (ambiguous users included).
    Unbound,
    #[default]
    All,
}

/// A search over the directory: `q` matches a name (case-insensitive, any part), an e-mail
/// address (any part) or a mobile number (its digits, `+86`/`0086` forms and separators
/// ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryQuery {
    pub q: Option<String>,
    pub status: BindFilter,
    pub offset: usize,
    pub limit: usize,
}

/// One page of a listing and how many rows matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryPage<T> {
    pub items: Vec<T>,
    pub total: usize,
}

/// Empty: what a listing shows before the first member sync.
impl<T> Default for DirectoryPage<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

/// An employee in the bind picker (contacts masked), with the user bound to it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmployeeRow {
    pub id: JingId,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub bound_user: Option<SfId>,
}

/// A search term prepared once: lowercase text, and the digits a mobile search compares.
struct Needle {
    text: String,
    digits: Option<String>,
}

impl Needle {
    fn new(q: Option<&str>) -> Option<Self> {
        let text = q.map(str::trim).filter(|q| !q.is_empty())?.to_lowercase();
        Some(Self {
            digits: mobile_digits(&text),
            text,
        })
    }

    fn matches(&self, name: &str, email: Option<&str>, mobile: Option<&str>) -> bool {
        if name.to_lowercase().contains(&self.text) {
            return true;
        }
        let email = email.and_then(normalize_email);
        if email.is_some_and(|e| e.contains(&self.text)) {
            return true;
        }
        let mobile = mobile.and_then(normalize_mobile);
        matches!((&self.digits, mobile), (Some(d), Some(m)) if m.contains(d.as_str()))
    }
}

/// The digits a mobile search compares: the normalized number when the term is a whole one
/// (`+86 138-0013-8000` → `13800138000`), else the term's digits when it is only digits and
/// separators, at least four of them (`0013 8000` → `00138000`).
fn mobile_digits(q: &str) -> Option<String> {
    if let Some(n) = normalize_mobile(q) {
        return Some(n.trim_start_matches('+').to_owned());
    }
    let phoneish = q.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let digits = match q.trim_start().starts_with('+') {
        true => digits
            .strip_prefix("86")
            .map(str::to_owned)
            .unwrap_or(digits),
        false => digits,
    };
    (phoneish && digits.len() >= 4).then_some(digits)
}

fn page<T>(rows: Vec<T>, q: &DirectoryQuery) -> DirectoryPage<T> {
    let total = rows.len();
    let items = rows.into_iter().skip(q.offset).take(q.limit).collect();
    DirectoryPage { items, total }
}

impl MemberDirectory {
    /// Active users and bound inactive ones, in id order, with their state against the
    /// bindings as stored now; filtered, searched and paged.
    pub fn members(&self, bindings: &[Binding], q: &DirectoryQuery) -> DirectoryPage<MemberRow> {
        let by_user: HashMap<&SfId, &Binding> = bindings.iter().map(|b| (&b.sf_id, b)).collect();
        let mut users: Vec<&SfUser> = self
            .users
            .iter()
            .filter(|u| u.active || by_user.contains_key(&u.id))
            .collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        let needle = Needle::new(q.q.as_deref());
        let unbound: Vec<&SfUser> = users
            .iter()
            .filter(|u| u.active && !by_user.contains_key(&u.id))
            .copied()
            .collect();
        let matches = auto_match(&unbound, &self.employees, &owners(bindings));
        let ambiguous: HashMap<&SfId, _> = matches.ambiguous.iter().map(|a| (&a.user, a)).collect();
        let rows = users
            .into_iter()
            .filter(|u| match q.status {
                BindFilter::All => true,
                BindFilter::Bound => by_user.contains_key(&u.id),
                BindFilter::Unbound => !by_user.contains_key(&u.id),
            })
            .filter(|u| {
                needle
                    .as_ref()
                    .is_none_or(|n| n.matches(&u.name, u.email.as_deref(), u.mobile.as_deref()))
            })
            .map(|u| {
                let state = match (by_user.get(&u.id), ambiguous.get(&u.id)) {
                    (Some(b), _) => bound_state(b, &self.employees),
                    (None, Some(a)) => MemberState::Ambiguous((*a).clone()),
                    (None, None) => MemberState::Unbound,
                };
                row(u, state)
            })
            .collect();
        page(rows, q)
    }

    /// The employees to pick from, in name order, each with the user bound to it.
    pub fn employees(
        &self,
        bindings: &[Binding],
        q: &DirectoryQuery,
    ) -> DirectoryPage<EmployeeRow> {
        let owner = owners(bindings);
        let needle = Needle::new(q.q.as_deref());
        let mut rows: Vec<EmployeeRow> = self
            .employees
            .iter()
            .filter(|e| match q.status {
                BindFilter::All => true,
                BindFilter::Bound => owner.contains_key(&e.id),
                BindFilter::Unbound => !owner.contains_key(&e.id),
            })
            .filter(|e| {
                needle
                    .as_ref()
                    .is_none_or(|n| n.matches(&e.name, e.email.as_deref(), e.mobile.as_deref()))
            })
            .map(|e| EmployeeRow {
                id: e.id.clone(),
                name: e.name.clone(),
                mobile: e.mobile.as_deref().map(mask::mask_mobile),
                email: e.email.as_deref().map(mask::mask_email),
                bound_user: owner.get(&e.id).cloned(),
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        page(rows, q)
    }

    /// Remember an employee the connector created (create as new member) until the next sync
    /// reads it from JING.
    pub fn add_employee(&mut self, employee: Employee) {
        let known: HashSet<&JingId> = self.employees.iter().map(|e| &e.id).collect();
        if !known.contains(&employee.id) {
            self.employees.push(employee);
        }
    }
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
