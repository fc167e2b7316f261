//! Automatic matching of unbound users to employees by normalized mobile, then e-mail.
//! Pure: no ports, so every rule is tested directly.

use super::MatchKey;
use crate::ports::{Employee, SfUser};
use domain::identity::{normalize_email, normalize_mobile};
use domain::{JingId, SfId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A user auto-matching could not bind on its own; the admin decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguity {
    pub user: SfId,
    /// The employees the user matched.
    pub candidates: Vec<JingId>,
    pub reason: AmbiguityReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AmbiguityReason {
    /// Several employees share the user's mobile (or, without a mobile match, e-mail).
    SeveralEmployeesMatch,
    /// Another user matched the same employee and was bound (mobile beats e-mail, then the
    /// first user).
    EmployeeMatchedByAnotherUser { bound_user: SfId },
    /// The matching employee is already bound to another user.
    EmployeeAlreadyBound { bound_user: SfId },
}

/// Result of matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Matches {
    /// (user, employee, key), in user order.
    pub bind: Vec<(SfId, JingId, MatchKey)>,
    pub ambiguous: Vec<Ambiguity>,
    pub unmatched: Vec<SfId>,
}

/// What one user matched before employees are shared out.
enum UserMatch {
    None,
    One(JingId, MatchKey),
    Ambiguous(Ambiguity),
}

struct EmployeeIndex<'a> {
    by_mobile: HashMap<String, Vec<&'a JingId>>,
    by_email: HashMap<String, Vec<&'a JingId>>,
}

impl<'a> EmployeeIndex<'a> {
    fn new(employees: &'a [Employee]) -> Self {
        let mut idx = Self {
            by_mobile: HashMap::new(),
            by_email: HashMap::new(),
        };
        for e in employees {
            if let Some(m) = e.mobile.as_deref().and_then(normalize_mobile) {
                idx.by_mobile.entry(m).or_default().push(&e.id);
            }
            if let Some(m) = e.email.as_deref().and_then(normalize_email) {
                idx.by_email.entry(m).or_default().push(&e.id);
            }
        }
        idx
    }

    /// Employees matching the user: by mobile when any matches, else by e-mail.
    fn candidates(&self, user: &SfUser) -> Option<(Vec<JingId>, MatchKey)> {
        let look = |raw: Option<&str>,
                    norm: fn(&str) -> Option<String>,
                    map: &HashMap<String, Vec<&JingId>>| {
            raw.and_then(norm)
                .and_then(|k| map.get(&k))
                .map(|ids| ids.iter().map(|id| (*id).clone()).collect::<Vec<_>>())
        };
        look(user.mobile.as_deref(), normalize_mobile, &self.by_mobile)
            .map(|ids| (ids, MatchKey::Mobile))
            .or_else(|| {
                look(user.email.as_deref(), normalize_email, &self.by_email)
                    .map(|ids| (ids, MatchKey::Email))
            })
    }
}

fn match_user(
    idx: &EmployeeIndex<'_>,
    user: &SfUser,
    owner_of: &HashMap<JingId, SfId>,
) -> UserMatch {
    let Some((candidates, key)) = idx.candidates(user) else {
        return UserMatch::None;
    };
    let reason = match candidates.as_slice() {
        [one] => match owner_of.get(one) {
            None => return UserMatch::One(one.clone(), key),
            Some(bound_user) => AmbiguityReason::EmployeeAlreadyBound {
                bound_user: bound_user.clone(),
            },
        },
        _ => AmbiguityReason::SeveralEmployeesMatch,
    };
    UserMatch::Ambiguous(Ambiguity {
        user: user.id.clone(),
        candidates,
        reason,
    })
}

/// Match `users` (unbound, in the order given) to `employees`. `owner_of` holds the employees
/// already bound and their users. An employee matched by several users goes to the first that
/// matched by mobile (else the first by e-mail); the others are reported as ambiguous.
pub(crate) fn auto_match(
    users: &[&SfUser],
    employees: &[Employee],
    owner_of: &HashMap<JingId, SfId>,
) -> Matches {
    let idx = EmployeeIndex::new(employees);
    let mut out = Matches::default();
    // employee → claims (user position, user id, key), in user order.
    let mut claims: BTreeMap<JingId, Vec<(usize, SfId, MatchKey)>> = BTreeMap::new();
    for (pos, user) in users.iter().enumerate() {
        match match_user(&idx, user, owner_of) {
            UserMatch::None => out.unmatched.push(user.id.clone()),
            UserMatch::Ambiguous(a) => out.ambiguous.push(a),
            UserMatch::One(emp, key) => {
                claims
                    .entry(emp)
                    .or_default()
                    .push((pos, user.id.clone(), key))
            }
        }
    }
    let mut winners = Vec::new();
    for (emp, mut contenders) in claims {
        // Mobile before e-mail, then user order: a stable sort keeps user order within a key.
        contenders.sort_by_key(|(pos, _, key)| (*key != MatchKey::Mobile, *pos));
        let (pos, winner, key) = contenders.remove(0);
        for (_, loser, _) in contenders {
            out.ambiguous.push(Ambiguity {
                user: loser,
                candidates: vec![emp.clone()],
                reason: AmbiguityReason::EmployeeMatchedByAnotherUser {
                    bound_user: winner.clone(),
                },
            });
        }
        winners.push((pos, winner, emp, key));
    }
    winners.sort_by_key(|(pos, ..)| *pos);
    out.bind = winners.into_iter().map(|(_, u, e, k)| (u, e, k)).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u32, mobile: Option<&str>, email: Option<&str>) -> SfUser {
        SfUser {
            id: SfId::parse(&format!("005{n:012}")).unwrap(),
            name: format!("user {n}"),
            email: email.map(Into::into),
            mobile: mobile.map(Into::into),
            active: true,
        }
    }

    fn emp(id: &str, mobile: Option<&str>, email: Option<&str>) -> Employee {
        Employee {
            id: JingId::parse(id).unwrap(),
            name: id.into(),
            mobile: mobile.map(Into::into),
            email: email.map(Into::into),
        }
    }

    #[test]
    fn mobile_beats_email_for_the_same_employee_whatever_the_user_order() {
        let by_email = user(1, None, Some("Li@Acme.example"));
        let by_mobile = user(2, Some("+86 138 0013 8000"), None);
        let e = emp("e1", Some("13800138000"), Some("li@acme.example"));
        let m = auto_match(&[&by_email, &by_mobile], &[e], &HashMap::new());
        assert_eq!(
            m.bind,
            vec![(
                by_mobile.id.clone(),
                JingId::parse("e1").unwrap(),
                MatchKey::Mobile
            )]
        );
        assert_eq!(m.ambiguous.len(), 1);
        assert_eq!(m.ambiguous[0].user, by_email.id);
        assert_eq!(
            m.ambiguous[0].reason,
            AmbiguityReason::EmployeeMatchedByAnotherUser {
                bound_user: by_mobile.id
            }
        );
    }

    #[test]
    fn two_employees_with_one_mobile_are_ambiguous_and_a_bound_employee_is_not_taken() {
        let u = user(1, Some("13800138000"), None);
        let twins = [
            emp("a", Some("138 0013 8000"), None),
            emp("b", Some("13800138000"), None),
        ];
        let m = auto_match(&[&u], &twins, &HashMap::new());
        assert!(m.bind.is_empty());
        assert_eq!(
            m.ambiguous[0].reason,
            AmbiguityReason::SeveralEmployeesMatch
        );
        assert_eq!(m.ambiguous[0].candidates.len(), 2);

        let other = user(9, None, None).id;
        let owner_of = HashMap::from([(JingId::parse("a").unwrap(), other.clone())]);
        let m = auto_match(&[&u], &twins[..1], &owner_of);
        assert!(m.bind.is_empty());
        assert_eq!(
            m.ambiguous[0].reason,
            AmbiguityReason::EmployeeAlreadyBound { bound_user: other }
        );
    }

    #[test]
    fn blanks_and_garbage_never_match() {
        let u = user(1, Some("n/a"), Some(""));
        let e = emp("e", Some("n/a"), Some(""));
        let m = auto_match(&[&u], &[e], &HashMap::new());
        assert_eq!(m.unmatched, vec![u.id]);
        assert!(m.bind.is_empty() && m.ambiguous.is_empty());
    }
}
