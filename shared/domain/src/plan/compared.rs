//! The form the rules compare a field's values in: the target's terms, phones by their
//! normalized number, e-mails without regard to case. Each value of a field is put in that form
//! once: a view usually holds the last synced value itself, which is then shared rather than
//! converted again. The form is only compared: what is written is the origin's value as is.

use super::convert::convert_cow;
use crate::identity;
use crate::object::Side;
use crate::rules::Conflict;
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};
use std::borrow::Cow;

/// How a field's values compare beyond equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    AsIs,
    /// By the normalized number: a format difference is not a change.
    Phone,
    /// By [`identity::email_key`]: a case difference is not a change.
    Email,
}

impl Form {
    pub fn of(m: &FieldMapping) -> Self {
        let either = |ty| m.sf_type == ty || m.jing_type == ty;
        if either(FieldType::Phone) {
            Self::Phone
        } else if either(FieldType::Email) {
            Self::Email
        } else {
            Self::AsIs
        }
    }
}

/// A value in the compared form, borrowed when that is the value itself (the common case).
pub(super) fn key(v: &Value, form: Form) -> Cow<'_, Value> {
    let Value::Text(s) = v else {
        return Cow::Borrowed(v);
    };
    let keyed = match form {
        Form::AsIs => None,
        Form::Phone if identity::is_normal_mobile(s) => None,
        Form::Phone => identity::normalize_mobile(s),
        Form::Email => match identity::email_key(s) {
            Cow::Borrowed(_) => None,
            Cow::Owned(k) => Some(k),
        },
    };
    keyed.map_or(Cow::Borrowed(v), |k| Cow::Owned(Value::Text(k)))
}

/// A value of the views or the last sync (Salesforce terms) in the target's terms.
fn in_target_terms<'v>(v: &'v Value, m: &FieldMapping, origin: Side) -> Cow<'v, Value> {
    match origin {
        Side::Salesforce => convert_cow(v, m, Side::Salesforce),
        Side::Jing => Cow::Borrowed(v),
    }
}

/// A value of the views or the last sync (Salesforce terms) in the target's terms, in the
/// compared form ([`key`]).
fn in_compared_form<'v>(
    v: &'v Value,
    m: &FieldMapping,
    origin: Side,
    form: Form,
) -> Cow<'v, Value> {
    match in_target_terms(v, m, origin) {
        Cow::Borrowed(v) => key(v, form),
        Cow::Owned(v) => Cow::Owned(match key(&v, form) {
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

impl Sources<'_> {
    /// A conflict's values as the sides spell them where the compared form lost the spelling
    /// (an e-mail's case): the ledger shows them, and settling a conflict writes one of them.
    pub fn spell_as_is(&self, c: &mut Conflict, m: &FieldMapping, origin: Side, form: Form) {
        if form != Form::Email {
            return;
        }
        c.incoming = self.incoming.clone();
        let target = match (self.target_seen, self.target_told) {
            (Some(v), _) => Some(in_target_terms(v, m, origin)),
            (None, Some(told)) => Some(Cow::Borrowed(told)),
            (None, None) => self.last.map(|v| in_target_terms(v, m, origin)),
        };
        if let Some(t) = target {
            c.target = t.into_owned();
        }
    }
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
    pub fn new(s: &Sources<'v>, m: &FieldMapping, origin: Side, form: Form) -> Self {
        // A view's value (Salesforce terms); the last synced value itself is shared.
        let known = |v: &'v Value| {
            if s.last.is_some_and(|last| std::ptr::eq(last, v)) {
                Known::Last
            } else {
                Known::Own(in_compared_form(v, m, origin, form))
            }
        };
        Self {
            incoming: key(s.incoming, form),
            last: s.last.map(|v| in_compared_form(v, m, origin, form)),
            before: s.before.map_or(Known::Unknown, known),
            // What the target holds: its view, else what the caller knows, else the last
            // synced value.
            target: match (s.target_seen, s.target_told) {
                (Some(v), _) => known(v),
                (None, Some(told)) => Known::Own(key(told, form)),
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
