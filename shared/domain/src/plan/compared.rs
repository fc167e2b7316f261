//! The form the rules compare a field's values in: the target's terms, phones by their
//! normalized number, e-mails without regard to case. Each value of a field is put in that form
//! once: a view usually holds the last synced value itself, which is then shared rather than
//! converted again. The form is only compared: what is written is the origin's value as is.

use super::convert::convert_cow;
use crate::identity;
use crate::object::Side;
use crate::rules;
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};
use std::borrow::Cow;

/// How a field's values compare beyond equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    AsIs,
    /// By the normalized number: a format difference is not a change.
    Phone,
    /// By [`identity::same_email`]: a case difference is not a change.
    Email,
}

impl Form {
    pub fn of(m: &FieldMapping) -> Self {
        match (m.sf_type, m.jing_type) {
            (FieldType::Phone, _) | (_, FieldType::Phone) => Self::Phone,
            (FieldType::Email, _) | (_, FieldType::Email) => Self::Email,
            _ => Self::AsIs,
        }
    }
}

/// A value in the compared form, borrowed when that is the value itself (the common case).
/// E-mails keep their spelling: [`Compared`] shares one spelling among the values that are
/// one address, which costs no lower-case copy of each (see [`Compared::share_spellings`]).
fn key(v: &Value, form: Form) -> Cow<'_, Value> {
    match v {
        Value::Text(s) if form == Form::Phone && !identity::is_normal_mobile(s) => {
            identity::normalize_mobile(s)
                .map_or(Cow::Borrowed(v), |n| Cow::Owned(Value::Text(n.into())))
        }
        _ => Cow::Borrowed(v),
    }
}

/// Two texts that are one e-mail address ([`identity::same_email`]).
fn same_address(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => identity::same_email(a, b),
        _ => false,
    }
}

/// Equal in the compared form.
pub(super) fn same(a: &Value, b: &Value, form: Form) -> bool {
    match form {
        Form::Email => rules::same(a, b) || same_address(a, b),
        Form::AsIs | Form::Phone => rules::same(&key(a, form), &key(b, form)),
    }
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

    /// E-mails ([`Form::Email`]): the rules compare the incoming value with each other value,
    /// and the target's with the last synced one. Where two of them are one address in
    /// different case, both take one spelling, so that the rules' equality sees one address
    /// without a lower-case copy of each; the target keeps its own (a conflict shows it).
    /// Out of line: other fields never pay for it.
    #[inline(never)]
    pub fn share_spellings(&mut self, incoming: &'v Value) {
        let one = |v: &Value| same_address(v, incoming);
        if self.last.as_deref().is_some_and(one) {
            self.last = Some(Cow::Borrowed(incoming));
        }
        if let Known::Own(v) = &mut self.before
            && one(v)
        {
            *v = Cow::Borrowed(incoming);
        }
        if let Known::Own(v) = &mut self.target {
            if one(v) {
                *v = Cow::Borrowed(incoming);
            } else if self.last.as_deref().is_some_and(|l| same_address(v, l)) {
                self.last = Some(v.clone());
            }
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
