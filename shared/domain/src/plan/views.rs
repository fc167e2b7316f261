//! What each side holds, per field, as far as the connector knows — beyond the value both sides
//! held at the last sync. Without it the last-synced value is the writer's only view of the
//! target, and a change that did not flow (a preferred side's "unknown" blank, the other side's
//! edit held back by a preferred value) is forgotten: a later change then fills the wrong blank,
//! re-writes a value the target already has, or takes a stale whole-record notification for an
//! edit.

use crate::object::Side;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One side's value of one field (Salesforce terms, normalized).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideView {
    /// None: the side holds the last synced value (the common case, stored once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The side's change time when the value is its own edit; our write time when we wrote it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// We wrote `value` at `at`, replacing `overwritten` (None: unknown). A change the side made
    /// before `at` carries the replaced value, not `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwritten: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_us: bool,
    /// The side's own edit that did not flow because the other side is preferred.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// When the connector learnt the value (its own clock): an edit of the other side made
    /// before then was made before this value was dealt with.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub noted: Option<OffsetDateTime>,
}

impl SideView {
    /// The side's own edit, made at `at`, learnt at `noted`.
    pub fn edit(
        value: Option<Value>,
        at: OffsetDateTime,
        held: bool,
        noted: OffsetDateTime,
    ) -> Self {
        Self {
            value,
            at,
            overwritten: None,
            by_us: false,
            held,
            noted: Some(noted),
        }
    }

    /// Our write of `value` at `at` over `overwritten`.
    pub fn written(value: Option<Value>, at: OffsetDateTime, overwritten: Option<Value>) -> Self {
        Self {
            value,
            at,
            overwritten,
            by_us: true,
            held: false,
            noted: Some(at),
        }
    }

    /// The side's value, given the field's last synced value.
    pub fn value_or<'a>(&'a self, last_synced: Option<&'a Value>) -> Option<&'a Value> {
        self.value.as_ref().or(last_synced)
    }

    /// The incoming change was made before this value came to be.
    pub fn is_newer_than(&self, change_at: OffsetDateTime) -> bool {
        change_at < self.at
    }
}

/// Both sides' views of one field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FieldViews {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce: Option<SideView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jing: Option<SideView>,
}

impl FieldViews {
    pub fn side(&self, side: Side) -> Option<&SideView> {
        match side {
            Side::Salesforce => self.salesforce.as_ref(),
            Side::Jing => self.jing.as_ref(),
        }
    }

    pub fn set(&mut self, side: Side, view: SideView) {
        match side {
            Side::Salesforce => self.salesforce = Some(view),
            Side::Jing => self.jing = Some(view),
        }
    }

    /// Both sides' views, from the origin's and the other side's.
    fn both(origin: Side, origin_view: SideView, other_view: SideView) -> Self {
        let (salesforce, jing) = match origin {
            Side::Salesforce => (origin_view, other_view),
            Side::Jing => (other_view, origin_view),
        };
        Self {
            salesforce: Some(salesforce),
            jing: Some(jing),
        }
    }

    pub fn side_mut(&mut self, side: Side) -> Option<&mut SideView> {
        match side {
            Side::Salesforce => self.salesforce.as_mut(),
            Side::Jing => self.jing.as_mut(),
        }
    }
}

/// One field's views while planning one change: what becomes of them after each outcome.
pub(super) struct FieldSeen<'a> {
    pub origin: Side,
    pub views: Option<&'a FieldViews>,
    /// The field's last synced value (Salesforce terms).
    pub last_synced: Option<&'a Value>,
    /// The change was made before our last write to the origin.
    pub stale: bool,
    pub incoming_at: OffsetDateTime,
    pub now: OffsetDateTime,
}

impl<'a> FieldSeen<'a> {
    pub fn origin_view(&self) -> Option<&'a SideView> {
        self.views.and_then(|v| v.side(self.origin))
    }

    pub fn target_view(&self) -> Option<&'a SideView> {
        self.views.and_then(|v| v.side(self.origin.other()))
    }

    /// What the target holds as far as we know.
    pub fn target_value(&self) -> Option<&'a Value> {
        self.target_view()
            .and_then(|t| t.value_or(self.last_synced))
    }

    /// The target was written: both sides hold the synced value (stored once, as `None`).
    pub fn after_write(&self) -> FieldViews {
        let target_had = self.target_value().or(self.last_synced).cloned();
        let target_now = SideView::written(None, self.now, target_had);
        let origin_now = if self.stale {
            // The origin's edit won over our earlier write there: it is restored.
            let ours = self
                .origin_view()
                .and_then(|o| o.value_or(self.last_synced))
                .cloned();
            SideView::written(None, self.now, ours)
        } else {
            SideView::edit(None, self.incoming_at, false, self.now)
        };
        // Built whole: the writer's hot path (no views to replace one by one).
        FieldViews::both(self.origin, origin_now, target_now)
    }

    /// The origin took the target's value, replacing `incoming` (Salesforce terms).
    pub fn after_fill(&self, target: &SideView, incoming: Value) -> FieldViews {
        let origin_now = SideView::written(None, self.now, Some(incoming));
        let mut target_now = target.clone();
        target_now.value = None;
        target_now.held = false;
        FieldViews::both(self.origin, origin_now, target_now)
    }

    /// Nothing was written; the origin now holds its own `value` (held back or not).
    pub fn after_own_edit(&self, value: Value, held: bool) -> FieldViews {
        let mut fv = self.views.cloned().unwrap_or_default();
        fv.set(
            self.origin,
            SideView::edit(Some(value), self.incoming_at, held, self.now),
        );
        fv
    }
}
