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
    recs[edit.rec].vals[edit.side as usize][edit.field] = edit.value.clone();
    round.edits.push(edit);
}

/// The state both systems must reach after the round's full sync.
pub fn settle(fields: &[FieldDef], recs: &mut [Rec], round: &Round) {
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
                settle_field(def, &mut rec.vals, f, &edits);
            }
        }
    }
}

fn settle_field(def: &FieldDef, vals: &mut [Vec<Val>; 2], f: usize, edits: &[&Edit]) {
    let meaningful = |v: &Val| v.is_some() || def.blank == BlankMeaning::Cleared;
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
        FieldRule::JingPreferred => preferred(def, vals, f, edits, Side::Jing),
        FieldRule::SalesforcePreferred => preferred(def, vals, f, edits, Side::Sf),
    }
}

/// X preferred: the other side takes X's value unless X's is an "unknown" blank; the other
/// side's edits only fill X's blank (an unknown blank, never a deliberate clear) and otherwise
/// stay on the other side.
fn preferred(def: &FieldDef, vals: &mut [Vec<Val>; 2], f: usize, edits: &[&Edit], p: Side) {
    let o = p.other();
    let p_changed = edits.iter().any(|e| e.side == p);
    let o_changed = edits.iter().any(|e| e.side == o);
    let pv = vals[p as usize][f].clone();
    let ov = vals[o as usize][f].clone();
    match (pv, def.blank) {
        (Some(v), _) if p_changed => vals[o as usize][f] = Some(v),
        (None, BlankMeaning::Cleared) if p_changed => vals[o as usize][f] = None,
        (None, BlankMeaning::Unknown) if o_changed && ov.is_some() => vals[p as usize][f] = ov,
        _ => {}
    }
}
