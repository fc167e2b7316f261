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

fn same(a: &Value, b: &Value) -> bool {
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
    if input.last_synced.is_some_and(|last| same(incoming, last)) {
        return skip(Unchanged);
    }
    if input.target_current.is_some_and(|cur| same(incoming, cur)) {
        return skip(AlreadyEqual);
    }
    if incoming.is_empty() && input.blank == BlankMeaning::Unknown {
        return skip(BlankIsUnknown);
    }
    let origin = input.direction.origin();
    match input.rule {
        FieldRule::DoNotSync => skip(DoNotSync),
        FieldRule::JingPreferred => (preferred(input, Side::Jing, origin), None),
        FieldRule::SalesforcePreferred => (preferred(input, Side::Salesforce, origin), None),
        FieldRule::TwoWay => two_way(input, origin),
    }
}

/// "X preferred unless empty": the preferred side always writes; the other side only fills blanks.
/// With `Cleared` semantics an empty preferred value is a deliberate clear, not a blank to fill.
fn preferred(input: &FieldInput<'_>, preferred: Side, origin: Side) -> Verdict {
    if origin == preferred {
        return Verdict::Write;
    }
    let fill = match input.target_current {
        None => true,
        Some(cur) if !cur.is_empty() => false,
        Some(_) => input.blank == BlankMeaning::Unknown,
    };
    if fill && !input.incoming.is_empty() {
        Verdict::Write
    } else {
        Verdict::Skip(SkipReason::OtherSidePreferred)
    }
}

fn two_way(input: &FieldInput<'_>, origin: Side) -> (Verdict, Option<Conflict>) {
    let Some(target) = input.target_current else {
        return (Verdict::Write, None);
    };
    let target_moved =
        input.concurrent || input.last_synced.is_some_and(|last| !same(target, last));
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
