//! What a field's verdict adds to the record's plan.

use super::RecordPlan;
use super::convert::{convert, normalized_ref};
use super::views::FieldSeen;
use crate::object::Side;
use crate::rules::{self, FieldInput, SkipReason};
use crate::spec::FieldMapping;
use crate::value::{FieldType, Value};

/// One mapped field of the change, for recording its outcome (names from the mapping, `'m`).
pub(super) struct Outcome<'a, 'm> {
    pub m: &'m FieldMapping,
    pub origin_field: &'m String,
    pub target_field: &'m String,
    /// The incoming value in the origin's terms.
    pub origin_after: &'a Value,
    pub seen: FieldSeen<'a>,
}

impl<'m> Outcome<'_, 'm> {
    /// The target is written `write`; both sides then hold `synced` (Salesforce terms).
    pub fn written(&self, out: &mut RecordPlan<'m>, synced: Value, write: Value) {
        let sf_field = self.m.sf_field.as_str();
        out.views.push((sf_field, self.seen.after_write()));
        if self.seen.stale {
            // Our later write overwrote this edit on the origin, and it wins: give it back.
            out.restore_origin
                .entry(self.origin_field.clone())
                .or_insert_with(|| self.origin_after.clone());
        }
        out.synced.push(sf_field, synced);
        out.writes.push(self.target_field, write);
    }

    /// Nothing is written to the target; the origin may take the target's value instead.
    pub fn skipped(
        &self,
        out: &mut RecordPlan<'m>,
        reason: SkipReason,
        decided: &FieldInput<'_>,
        incoming_sf: &Value,
        origin_changed: bool,
    ) {
        let (m, seen) = (self.m, &self.seen);
        let fill = seen
            .target_view()
            .zip(seen.target_value())
            .filter(|_| rules::origin_takes_target(decided) && m.sf_type != FieldType::Reference);
        if let Some((t, value)) = fill {
            // The origin takes the target's value (see `rules::origin_takes_target`).
            let value = normalized_ref(value).clone();
            let in_origin_terms = match seen.origin {
                Side::Salesforce => value.clone(),
                Side::Jing => convert(&value, m, Side::Salesforce),
            };
            out.fill_origin
                .insert(self.origin_field.clone(), in_origin_terms);
            let fv = seen.after_fill(t, incoming_sf.clone());
            out.views.push((&m.sf_field, fv));
            out.synced.push(&m.sf_field, value);
        } else if !seen.stale && origin_changed && verdict_remembers(reason) {
            let held = reason == SkipReason::OtherSidePreferred && !self.origin_after.is_empty();
            let fv = seen.after_own_edit(incoming_sf.clone(), held);
            out.views.push((&m.sf_field, fv));
        }
        out.skipped.push((m.sf_field.clone(), reason));
    }
}

/// Skips after which the origin's value is worth remembering (it is what the origin holds now).
fn verdict_remembers(reason: SkipReason) -> bool {
    !matches!(
        reason,
        SkipReason::DoNotSync | SkipReason::DirectionOff | SkipReason::Superseded
    )
}
