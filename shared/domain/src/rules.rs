//! Field rules and the one pure function that decides what to write where.

use crate::object::{Direction, Side};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Per-field sync rule (字段规则).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRule {
    /// 双向同步: either side's update propagates; the latest change wins.
    TwoWay,
    /// JING 优先: Salesforce takes JING's value unless JING's is empty; Salesforce only fills
    /// JING's blanks.
    JingPreferred,
    /// Salesforce 优先: the mirror.
    SalesforcePreferred,
    /// 不同步.
    DoNotSync,
}

impl FieldRule {
    /// The side an "X preferred" rule prefers.
    pub fn preferred_side(self) -> Option<Side> {
        match self {
            Self::JingPreferred => Some(Side::Jing),
            Self::SalesforcePreferred => Some(Side::Salesforce),
            Self::TwoWay | Self::DoNotSync => None,
        }
    }
}

/// What an empty value means for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BlankMeaning {
    /// Empty means "we don't know": it never overwrites a value.
    #[default]
    Unknown,
    /// Empty means "deliberately cleared": the clear propagates like any value.
    Cleared,
}

/// Everything the decision needs about one field of one incoming change. Values are already
/// converted into the target field's terms.
#[derive(Debug, Clone, Copy)]
pub struct FieldInput<'a> {
    pub rule: FieldRule,
    pub blank: BlankMeaning,
    pub direction: Direction,
    /// False when the direction's triggers are off: no rule may write that way.
    pub direction_enabled: bool,
    pub incoming: &'a Value,
    pub incoming_at: OffsetDateTime,
    /// The target's value as far as we know (None: unknown, e.g. the record is being created).
    pub target_current: Option<&'a Value>,
    /// When the target last changed this field (None: not since the last sync, or unknown).
    pub target_changed_at: Option<OffsetDateTime>,
    /// The value both sides had at the last successful sync of this field.
    pub last_synced: Option<&'a Value>,
    /// The origin's own value before this change, as far as we know (None: unknown). Equal to
    /// the incoming value: the origin did not change this field (a whole-record notification).
    pub origin_before: Option<&'a Value>,
    /// The target's current value is its own edit that did not flow because the origin side is
    /// preferred (see [`origin_takes_target`]).
    pub target_held: bool,
    /// The connector learnt the target's current value (its own edit) after the incoming
    /// change was made: within one sync, that is the later change (see [`origin_takes_target`]).
    pub target_noted_after: bool,
    /// The target's current value is our fill of its blank, made after the incoming change:
    /// the fill used an older value of the origin (see [`refills`]).
    pub target_filled_after: bool,
    /// The target's value was synced from a change made after the incoming change was made but
    /// applied before it arrived: both sides changed the field concurrently.
    pub concurrent: bool,
}

/// Why nothing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    DoNotSync,
    DirectionOff,
    /// The origin's value is what we synced last time: nothing changed (or it's our echo).
    Unchanged,
    /// The target already holds this value.
    AlreadyEqual,
    /// Empty means unknown for this field; it never overwrites.
    BlankIsUnknown,
    /// The other side is preferred and has a value.
    OtherSidePreferred,
    /// Two-way conflict lost: the target's change is newer.
    TargetIsNewer,
    /// A newer change of the same record from the same side was already applied (a late or
    /// reordered delivery).
    Superseded,
}

/// Both sides changed the same two-way field since the last sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub incoming: Value,
    pub target: Value,
    pub winner: Side,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldDecision {
    Write(Value),
    Skip(SkipReason),
}

/// The decision for one field, plus a conflict to record when there was one.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub decision: FieldDecision,
    pub conflict: Option<Conflict>,
}

/// A decision without the value: the caller already holds the incoming value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Write,
    Skip(SkipReason),
}

/// Equal, counting every empty value as the same blank.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    // One value seen twice (the planner shares the last synced value among its roles) is
    // equal to itself without comparing, except a NaN, which equals nothing.
    if std::ptr::eq(a, b) {
        return !matches!(a, Value::Number(n) if n.is_nan());
    }
    a.is_empty() && b.is_empty() || a == b
}

/// Decide what to write for one field. Pure and deterministic.
pub fn resolve(input: &FieldInput<'_>) -> Resolution {
    let (verdict, conflict) = decide(input);
    let decision = match verdict {
        Verdict::Write => FieldDecision::Write(input.incoming.clone()),
        Verdict::Skip(r) => FieldDecision::Skip(r),
    };
    Resolution { decision, conflict }
}

/// [`resolve`] without cloning the written value (the planner's hot path).
pub fn decide(input: &FieldInput<'_>) -> (Verdict, Option<Conflict>) {
    use SkipReason::*;
    let skip = |r| (Verdict::Skip(r), None);
    if input.rule == FieldRule::DoNotSync {
        return skip(DoNotSync);
    }
    if !input.direction_enabled {
        return skip(DirectionOff);
    }
    let incoming = input.incoming;
    if input
        .origin_before
        .is_some_and(|before| same(incoming, before))
    {
        return skip(Unchanged);
    }
    // The planner often passes one value (the last synced one) as both: compared already.
    let compared = |cur: &Value| input.origin_before.is_some_and(|b| std::ptr::eq(b, cur));
    if input
        .target_current
        .is_some_and(|cur| !compared(cur) && same(incoming, cur))
    {
        return skip(AlreadyEqual);
    }
    if refills(input) {
        return (Verdict::Write, None);
    }
    if incoming.is_empty() && input.blank == BlankMeaning::Unknown {
        return skip(BlankIsUnknown);
    }
    let origin = input.direction.origin();
    match input.rule {
        FieldRule::DoNotSync => skip(DoNotSync),
        FieldRule::JingPreferred => preferred(input, Side::Jing, origin),
        FieldRule::SalesforcePreferred => preferred(input, Side::Salesforce, origin),
        FieldRule::TwoWay => two_way(input, origin),
    }
}

/// A preferred side's blank that we filled from the other side's value, when a change of the
/// other side made before that fill arrives: the fill follows the other side's value as of the
/// change — its new value, or the preferred side's own blank again if the change is a blank.
/// (A fill is only the other side "filling a blank"; it was based on an older value.)
fn refills(input: &FieldInput<'_>) -> bool {
    let Some(preferred) = input.rule.preferred_side() else {
        return false;
    };
    input.target_filled_after
        && input.blank == BlankMeaning::Unknown
        && input.direction.origin() != preferred
}

/// "X preferred unless empty": the preferred side always writes; the other side only fills blanks.
/// With `Cleared` semantics an empty preferred value is a deliberate clear, not a blank to fill.
/// A preferred value that a fill from the other side overwrote after it was made (`concurrent`)
/// wins: the conflict names the origin as winner so its value is restored there.
fn preferred(input: &FieldInput<'_>, preferred: Side, origin: Side) -> (Verdict, Option<Conflict>) {
    if origin == preferred {
        let conflict = input.concurrent.then(|| Conflict {
            incoming: input.incoming.clone(),
            target: input.target_current.cloned().unwrap_or(Value::Empty),
            winner: origin,
        });
        return (Verdict::Write, conflict);
    }
    let fill = match input.target_current {
        None => true,
        Some(cur) if !cur.is_empty() => false,
        Some(_) => input.blank == BlankMeaning::Unknown,
    };
    let verdict = if fill && !input.incoming.is_empty() {
        Verdict::Write
    } else {
        Verdict::Skip(SkipReason::OtherSidePreferred)
    };
    (verdict, None)
}

/// For a change that writes nothing to the target: must the origin take the target's value?
///
/// - The preferred side became an "unknown" blank while the other side holds its own value
///   that never flowed (held back by the preferred value): that value now fills the preferred
///   side — the other side "only fills blanks", and now there is one. A value the other side
///   got from the preferred side is not held, so a blank is not refilled with its old value.
/// - The other side's edit was made before the connector learnt the preferred side's value
///   (both changed in one sync, and the preferred side's change found nothing to write then):
///   the preferred value wins on the other side too.
pub fn origin_takes_target(input: &FieldInput<'_>) -> bool {
    let origin = input.direction.origin();
    let Some(preferred) = input.rule.preferred_side() else {
        return false;
    };
    let Some(target) = input.target_current else {
        return false;
    };
    if !input.direction_enabled || same(input.incoming, target) {
        return false;
    }
    if origin == preferred {
        input.blank == BlankMeaning::Unknown
            && input.incoming.is_empty()
            && input.target_held
            && !target.is_empty()
    } else {
        input.target_noted_after && (!target.is_empty() || input.blank == BlankMeaning::Cleared)
    }
}

fn two_way(input: &FieldInput<'_>, origin: Side) -> (Verdict, Option<Conflict>) {
    let Some(target) = input.target_current else {
        return (Verdict::Write, None);
    };
    // An "unknown" blank on the target is no information: it is not a move to defend.
    let unknown_blank = target.is_empty() && input.blank == BlankMeaning::Unknown;
    let target_moved = input.concurrent
        || !unknown_blank && input.last_synced.is_some_and(|last| !same(target, last));
    if !target_moved {
        return (Verdict::Write, None);
    }
    // Both sides moved away from the last synced value: a conflict. Latest change wins; on a tie
    // (or an unknown target time) the incoming change wins, because it is the one we observed last.
    let incoming_wins = input
        .target_changed_at
        .is_none_or(|t| input.incoming_at >= t);
    let winner = if incoming_wins {
        origin
    } else {
        origin.other()
    };
    let conflict = Conflict {
        incoming: input.incoming.clone(),
        target: target.clone(),
        winner,
    };
    let verdict = if incoming_wins {
        Verdict::Write
    } else {
        Verdict::Skip(SkipReason::TargetIsNewer)
    };
    (verdict, Some(conflict))
}

#[cfg(test)]
mod tests;
