//! The reference model: what each side must hold after a full sync, given the human edits of
//! one round in time order and the field rules — written from the spec, independent of the
//! connector's planner (no last-synced bookkeeping, no event order: only "who edited what, in
//! which order").

use domain::rules::{BlankMeaning, FieldRule};

/// A side, as an index into `Rec::vals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Sf = 0,
    Jing = 1,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Sf => Side::Jing,
            Side::Jing => Side::Sf,
        }
    }
}

/// One mapped field of the lead and how the test configures it.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub sf: &'static str,
    pub jing: &'static str,
    pub rule: FieldRule,
    pub blank: BlankMeaning,
    /// Humans may empty it (required fields and the owner are never emptied).
    pub clearable: bool,
}

pub type Val = Option<String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Live,
    Deleted,
    Converted,
}

/// One lead as the model knows it: the human-visible values of each side.
#[derive(Debug, Clone)]
pub struct Rec {
    pub origin: Side,
    pub created_round: usize,
    pub state: State,
    /// `vals[side][field]`.
    pub vals: [Vec<Val>; 2],
    /// Per field: the non-preferred side holds its own edit, held back by the preferred
    /// side's value (it fills the preferred side's "unknown" blank when one appears).
    pub held: Vec<bool>,
}

/// A human edit of one field.
#[derive(Debug, Clone)]
pub struct Edit {
    pub rec: usize,
    pub side: Side,
    pub field: usize,
    pub value: Val,
}

/// What is known to have happened in one round, in time order.
#[derive(Debug, Default, Clone)]
pub struct Round {
    pub edits: Vec<Edit>,
    pub created: Vec<usize>,
    pub deleted: Vec<usize>,
    pub converted: Vec<usize>,
    /// The value each edited (record, side, field) had when the round began.
    pub start: std::collections::BTreeMap<(usize, Side, usize), Val>,
}

impl Round {
    pub fn touched(&self, rec: usize) -> bool {
        self.edits.iter().any(|e| e.rec == rec)
            || self.created.contains(&rec)
            || self.deleted.contains(&rec)
            || self.converted.contains(&rec)
    }
    pub fn edited(&self, rec: usize, side: Side, field: usize) -> bool {
        self.edits
            .iter()
            .any(|e| e.rec == rec && e.side == side && e.field == field)
    }
    /// Both sides edited the record in this round (a two-way conflict may rewrite a side
    /// transiently before the winner is restored).
    pub fn both_sides(&self, rec: usize) -> bool {
        let on = |s| self.edits.iter().any(|e| e.rec == rec && e.side == s);
        on(Side::Sf) && on(Side::Jing)
    }
}

/// Apply a human edit to the side it was made on (the model's view of that system).
pub fn human_edit(recs: &mut [Rec], round: &mut Round, edit: Edit) {
    let old = recs[edit.rec].vals[edit.side as usize][edit.field].clone();
    round
        .start
        .entry((edit.rec, edit.side, edit.field))
        .or_insert(old);
    recs[edit.rec].vals[edit.side as usize][edit.field] = edit.value.clone();
    round.edits.push(edit);
}

/// A two-way field both sides edited where Salesforce's record-level change time can make
/// either side the later one: Salesforce reports when a record was saved, not when each field
/// was, so a save of another field after the other side's edit dates this field's edit too.
/// Either value is right as long as both sides end up holding it.
#[derive(Debug, Clone)]
pub struct Ambiguity {
    pub rec: usize,
    pub field: usize,
    /// Acceptable `[salesforce, jing]` end values besides the model's own.
    pub alternative: [Val; 2],
    /// The non-preferred side's held-back state under the alternative.
    pub held: bool,
}

/// The state both systems must reach after the round's full sync (and the fields where
/// either of two values is right).
pub fn settle(fields: &[FieldDef], recs: &mut [Rec], round: &Round) -> Vec<Ambiguity> {
    let mut ambiguous = Vec::new();
    for &i in &round.created {
        let rec = &mut recs[i];
        let (from, to) = (rec.origin as usize, rec.origin.other() as usize);
        for (f, def) in fields.iter().enumerate() {
            if def.rule != FieldRule::DoNotSync {
                rec.vals[to][f] = rec.vals[from][f].clone();
            }
        }
    }
    for &i in &round.deleted {
        recs[i].state = State::Deleted;
    }
    for &i in &round.converted {
        recs[i].state = State::Converted;
        // The conversion reaches JING by push: its lead becomes `life_status = converted`.
        recs[i].vals[Side::Jing as usize][super::lead::STATUS] = Some("converted".to_owned());
    }
    for (i, rec) in recs.iter_mut().enumerate() {
        // Converted leads are not updated from JING; Salesforce no longer edits them.
        if rec.state != State::Live || round.created.contains(&i) {
            continue;
        }
        for (f, def) in fields.iter().enumerate() {
            let edits: Vec<&Edit> = round
                .edits
                .iter()
                .filter(|e| e.rec == i && e.field == f)
                .collect();
            if !edits.is_empty() {
                if let Some(winner) = record_time_ambiguity(def, rec, i, f, round) {
                    ambiguous.push(Ambiguity {
                        rec: i,
                        field: f,
                        alternative: [winner.clone(), winner],
                        held: false,
                    });
                }
                if let Some(alternative) = net_unchanged_preferred(def, rec, i, f, round) {
                    ambiguous.push(Ambiguity {
                        rec: i,
                        field: f,
                        alternative,
                        held: rec.held[f],
                    });
                }
                settle_field(def, rec, f, &edits);
            }
        }
    }
    ambiguous
}

/// See [`Ambiguity`]: the side whose edit of the field is not the latest may still have
/// saved the record (any field) after the latest one.
fn record_time_ambiguity(
    def: &FieldDef,
    rec: &Rec,
    i: usize,
    f: usize,
    round: &Round,
) -> Option<Val> {
    if def.rule != FieldRule::TwoWay {
        return None;
    }
    let meaningful = |v: &Val| v.is_some() || def.blank == BlankMeaning::Cleared;
    let (w_pos, w) = round
        .edits
        .iter()
        .enumerate()
        .rev()
        .find(|(_, e)| e.rec == i && e.field == f && meaningful(&e.value))?;
    let loser = w.side.other();
    let loser_value = rec.vals[loser as usize][f].clone();
    let loser_edited = round
        .edits
        .iter()
        .any(|e| e.rec == i && e.field == f && e.side == loser && meaningful(&e.value));
    let loser_saved_later = round
        .edits
        .iter()
        .enumerate()
        .any(|(p, e)| p > w_pos && e.rec == i && e.side == loser);
    (loser_edited && loser_saved_later && meaningful(&loser_value)).then_some(loser_value)
}

/// The preferred side edited the field but ended the round where it began (set and cleared
/// again): its edits may reach the connector one by one (they flow) or folded into one
/// notification (nothing changed). Alternative: nothing flows.
fn net_unchanged_preferred(
    def: &FieldDef,
    rec: &Rec,
    i: usize,
    f: usize,
    round: &Round,
) -> Option<[Val; 2]> {
    let p = match def.rule {
        FieldRule::JingPreferred => Side::Jing,
        FieldRule::SalesforcePreferred => Side::Sf,
        _ => return None,
    };
    let start = round.start.get(&(i, p, f))?;
    let other_edited = round.edited(i, p.other(), f);
    let unchanged = *start == rec.vals[p as usize][f] && !other_edited;
    unchanged.then(|| [rec.vals[0][f].clone(), rec.vals[1][f].clone()])
}

fn settle_field(def: &FieldDef, rec: &mut Rec, f: usize, edits: &[&Edit]) {
    let meaningful = |v: &Val| v.is_some() || def.blank == BlankMeaning::Cleared;
    let vals = &mut rec.vals;
    match def.rule {
        FieldRule::DoNotSync => {}
        // The latest edit wins on both sides; an empty value that means "unknown" is no
        // information: it overwrites nothing and the latest real value fills it.
        FieldRule::TwoWay => {
            if let Some(last) = edits.iter().rev().find(|e| meaningful(&e.value)) {
                vals[0][f] = last.value.clone();
                vals[1][f] = last.value.clone();
            }
        }
        FieldRule::JingPreferred => preferred(def, rec, f, edits, Side::Jing),
        FieldRule::SalesforcePreferred => preferred(def, rec, f, edits, Side::Sf),
    }
}

/// X preferred: the other side takes X's value unless X's is an "unknown" blank; the other
/// side's edits only fill X's blank (an unknown blank, never a deliberate clear) and otherwise
/// stay on the other side, held back — until X's value becomes an unknown blank, which the
/// held-back value then fills. (A value the other side got from X is not held: X's blank is
/// not refilled with its own old value.)
fn preferred(def: &FieldDef, rec: &mut Rec, f: usize, edits: &[&Edit], p: Side) {
    let o = p.other();
    let p_changed = edits.iter().any(|e| e.side == p);
    let o_changed = edits.iter().any(|e| e.side == o);
    let vals = &mut rec.vals;
    let pv = vals[p as usize][f].clone();
    let ov = vals[o as usize][f].clone();
    let o_fills = ov.is_some() && (o_changed || rec.held[f]);
    match (pv, def.blank) {
        (Some(v), _) if p_changed => vals[o as usize][f] = Some(v),
        (None, BlankMeaning::Cleared) if p_changed => vals[o as usize][f] = None,
        (None, BlankMeaning::Unknown) if o_fills => vals[p as usize][f] = ov,
        _ if o_changed => {
            // The other side's edit stays there (an empty one is no value to hold).
            rec.held[f] = ov.is_some() && vals[p as usize][f] != ov;
            return;
        }
        _ => {}
    }
    rec.held[f] = false;
}
