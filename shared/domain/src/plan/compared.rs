//! The form the rules compare a field's values in: the target's terms, phones by their
//! normalized number. Each value of a field is put in that form once: a view usually holds the
//! last synced value itself, which is then shared rather than converted again.

use super::convert::convert_cow;
use crate::identity;
use crate::object::Side;
use crate::spec::FieldMapping;
use crate::value::Value;
use std::borrow::Cow;

/// Phones compare by their normalized number: a format difference is not a change.
pub(super) fn key(v: &Value, phone: bool) -> Cow<'_, Value> {
    match v {
        Value::Text(s) if phone && !identity::is_normal_mobile(s) => {
            identity::normalize_mobile(s).map_or(Cow::Borrowed(v), |n| Cow::Owned(Value::Text(n)))
        }
        _ => Cow::Borrowed(v),
    }
}

/// A value of the views or the last sync (Salesforce terms) in the target's terms, in the
/// compared form ([`key`]).
fn in_compared_form<'v>(
    v: &'v Value,
    m: &FieldMapping,
    origin: Side,
    phone: bool,
) -> Cow<'v, Value> {
    let in_target_terms = match origin {
        Side::Salesforce => convert_cow(v, m, Side::Salesforce),
        Side::Jing => Cow::Borrowed(v),
    };
    match in_target_terms {
        Cow::Borrowed(v) => key(v, phone),
        Cow::Owned(v) => Cow::Owned(match key(&v, phone) {
            Cow::Owned(k) => k,
            Cow::Borrowed(_) => v,
        }),
    }
}

/// Where a field's values come from, before they are put in the compared form.
pub(super) struct Sources<'v> {
    /// The incoming value, already in the target's terms.
    pub incoming: &'v Value,
    /// The rest are in Salesforce terms (views, last synced values)…
    pub last: Option<&'v Value>,
    pub before: Option<&'v Value>,
    pub target_seen: Option<&'v Value>,
    /// …except what the caller tells of the target (its terms), used when no view says.
    pub target_told: Option<&'v Value>,
}

/// One field's values in the compared form.
pub(super) struct Compared<'v> {
    pub incoming: Cow<'v, Value>,
    pub last: Option<Cow<'v, Value>>,
    before: Known<'v>,
    target: Known<'v>,
}

enum Known<'v> {
    Unknown,
    /// The last synced value (unknown when there is none).
    Last,
    Own(Cow<'v, Value>),
}

impl<'v> Compared<'v> {
    pub fn new(s: &Sources<'v>, m: &FieldMapping, origin: Side, phone: bool) -> Self {
        // A view's value (Salesforce terms); the last synced value itself is shared.
        let known = |v: &'v Value| {
            if s.last.is_some_and(|last| std::ptr::eq(last, v)) {
                Known::Last
            } else {
                Known::Own(in_compared_form(v, m, origin, phone))
            }
        };
        Self {
            incoming: key(s.incoming, phone),
            last: s.last.map(|v| in_compared_form(v, m, origin, phone)),
            before: s.before.map_or(Known::Unknown, known),
            // What the target holds: its view, else what the caller knows, else the last
            // synced value.
            target: match (s.target_seen, s.target_told) {
                (Some(v), _) => known(v),
                (None, Some(told)) => Known::Own(key(told, phone)),
                (None, None) => Known::Last,
            },
        }
    }

    /// The origin's value before the change.
    pub fn before(&self) -> Option<&Value> {
        self.resolve(&self.before)
    }

    /// The target's current value.
    pub fn target(&self) -> Option<&Value> {
        self.resolve(&self.target)
    }

    fn resolve<'s>(&'s self, known: &'s Known<'_>) -> Option<&'s Value> {
        match known {
            Known::Unknown => None,
            Known::Last => self.last.as_deref(),
            Known::Own(v) => Some(v),
        }
    }
}
