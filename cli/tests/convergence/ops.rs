//! Random human operations on the two simulators, mirrored into the reference model.

use super::lead::{JING_STATUS, OWNER, SF_STATUS, STATUS, member, text, to_jing, to_sf};
use super::model::{Edit, FieldDef, Rec, Round, Side, State, Val, human_edit};
use super::stage::{Result, Stage};
use domain::rules::BlankMeaning;
use domain::{JingId, SfId};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value as Json, json};
use std::time::Duration;

/// The running scenario: model records and the ids they have on each side.
pub struct World {
    pub defs: Vec<FieldDef>,
    pub recs: Vec<Rec>,
    pub sf_ids: Vec<Option<SfId>>,
    pub jing_ids: Vec<Option<JingId>>,
    pub round_no: usize,
    pub round: Round,
    counter: u64,
    /// Operations performed, by kind (for the report and a coverage assertion).
    pub done: std::collections::BTreeMap<&'static str, u64>,
}

impl World {
    pub fn new(defs: Vec<FieldDef>) -> Self {
        Self {
            defs,
            recs: Vec::new(),
            sf_ids: Vec::new(),
            jing_ids: Vec::new(),
            round_no: 0,
            round: Round::default(),
            counter: 0,
            done: Default::default(),
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    /// A new value for a field as a person would type it (unique, so no edit is accidental).
    fn value(&mut self, rng: &mut StdRng, field: usize, side: Side, members: usize) -> String {
        match field {
            0 => self.fresh("姓"),
            1 => self.fresh("名"),
            2 => self.fresh("职位"),
            3 => {
                let n = self.fresh("");
                format!("https://w{n}.example.com")
            }
            4 => self.fresh("公司"),
            STATUS => {
                let k = rng.random_range(0..2);
                match side {
                    Side::Sf => SF_STATUS[k].to_owned(),
                    Side::Jing => JING_STATUS[k].to_owned(),
                }
            }
            _ => format!("m{}", rng.random_range(0..members)),
        }
    }

    /// Records a human may operate on now from `side` (not created, deleted or converted in
    /// this round; `untouched` also excludes records edited in this round).
    fn candidates(&self, side: Side, untouched: bool, live_only: bool) -> Vec<usize> {
        (0..self.recs.len())
            .filter(|&i| {
                let r = &self.recs[i];
                let state_ok = match (side, r.state) {
                    (_, State::Live) => true,
                    (Side::Jing, State::Converted) => !live_only,
                    _ => false,
                };
                let busy = self.round.created.contains(&i)
                    || self.round.deleted.contains(&i)
                    || self.round.converted.contains(&i)
                    || (untouched && self.round.touched(i));
                state_ok && r.created_round < self.round_no && !busy
            })
            .collect()
    }
}

/// Perform one random human operation; every operation happens two seconds after the
/// previous one, so "latest" is well defined at JING's one-second resolution.
pub fn step(stage: &Stage, world: &mut World, rng: &mut StdRng) -> Result<()> {
    stage.advance(Duration::from_secs(2));
    let side = if rng.random_bool(0.5) {
        Side::Sf
    } else {
        Side::Jing
    };
    let roll = rng.random_range(0..100);
    let kind = match roll {
        0..12 => create(stage, world, rng, side)?,
        12..62 => update(stage, world, rng, side, false)?,
        62..76 => update(stage, world, rng, side, true)?,
        76..86 => owner(stage, world, rng, side)?,
        86..96 => delete(stage, world, rng, side)?,
        _ => convert(stage, world, rng)?,
    };
    *world.done.entry(kind).or_default() += 1;
    Ok(())
}

fn create(stage: &Stage, world: &mut World, rng: &mut StdRng, side: Side) -> Result<&'static str> {
    let vals = creation_values(stage, world, rng, side);
    let idx = world.recs.len();
    trace(world, &format!("{side:?} creates lead #{idx}: {vals:?}"));
    let body = creation_body(stage, world, side, &vals);
    let (sf, jing) = match side {
        Side::Sf => (Some(stage.sf.human().create("Lead", body)?), None),
        Side::Jing => (None, Some(stage.jing.human().create_lead(body)?)),
    };
    let mut own = vals;
    if let (Some(id), None) = (&jing, &own[STATUS]) {
        // JING's own default for a lead created without a status.
        let rec = stage.jing.record("lead", id);
        own[STATUS] = rec.and_then(|r| r.fields.get("life_status").and_then(text));
    }
    let other = vec![None; world.defs.len()];
    let vals = match side {
        Side::Sf => [own, other],
        Side::Jing => [other, own],
    };
    world.recs.push(Rec {
        origin: side,
        created_round: world.round_no,
        state: State::Live,
        held: vec![false; world.defs.len()],
        vals,
    });
    world.sf_ids.push(sf);
    world.jing_ids.push(jing);
    world.round.created.push(idx);
    Ok(match side {
        Side::Sf => "create in Salesforce",
        Side::Jing => "create in JING",
    })
}

/// Values a person types into a new lead; optional fields are sometimes left empty.
fn creation_values(stage: &Stage, world: &mut World, rng: &mut StdRng, side: Side) -> Vec<Val> {
    let mut vals: Vec<Val> = vec![None; world.defs.len()];
    for (f, slot) in vals.iter_mut().enumerate() {
        let d = world.defs[f];
        let optional = d.clearable && rng.random_bool(0.3);
        let skip_status = f == STATUS && side == Side::Jing && rng.random_bool(0.5);
        if !optional && !skip_status {
            *slot = Some(world.value(rng, f, side, stage.members.len()));
        }
    }
    vals
}

fn creation_body(stage: &Stage, world: &World, side: Side, vals: &[Val]) -> Json {
    let mut body = Map::new();
    for (f, v) in vals.iter().enumerate().filter(|(_, v)| v.is_some()) {
        let (name, value) = match side {
            Side::Sf => (world.defs[f].sf, to_sf(stage, f, v)),
            Side::Jing => (world.defs[f].jing, to_jing(stage, f, v)),
        };
        body.insert(name.to_owned(), value);
    }
    Json::Object(body)
}

fn update(
    stage: &Stage,
    world: &mut World,
    rng: &mut StdRng,
    side: Side,
    clear: bool,
) -> Result<&'static str> {
    let fields: Vec<usize> = (0..OWNER)
        .filter(|&f| !clear || world.defs[f].clearable)
        .collect();
    let field = fields[rng.random_range(0..fields.len())];
    let cands = world.candidates(side, false, false);
    // An "unknown" blank after a value on the same side in the same round would make the
    // pushed value depend on when the notification is rendered: not part of the model.
    let cands: Vec<usize> = cands
        .into_iter()
        .filter(|&i| {
            !(clear
                && world.defs[field].blank == BlankMeaning::Unknown
                && world.round.edited(i, side, field))
        })
        .collect();
    if cands.is_empty() {
        return create(stage, world, rng, side);
    }
    let cands: Vec<usize> = cands
        .into_iter()
        // Clearing an empty field changes nothing: no event, no edit.
        .filter(|&i| !clear || world.recs[i].vals[side as usize][field].is_some())
        .collect();
    if cands.is_empty() {
        return create(stage, world, rng, side);
    }
    let rec = cands[rng.random_range(0..cands.len())];
    let value = if clear {
        None
    } else {
        Some(world.value(rng, field, side, stage.members.len()))
    };
    write(stage, world, rec, side, field, value)?;
    Ok(match (side, clear) {
        (Side::Sf, false) => "update in Salesforce",
        (Side::Jing, false) => "update in JING",
        (Side::Sf, true) => "clear in Salesforce",
        (Side::Jing, true) => "clear in JING",
    })
}

fn write(
    stage: &Stage,
    world: &mut World,
    rec: usize,
    side: Side,
    field: usize,
    value: Val,
) -> Result<()> {
    match side {
        Side::Sf => {
            let id = world.sf_ids[rec].clone().ok_or("unbound in Salesforce")?;
            let body = json!({ world.defs[field].sf: to_sf(stage, field, &value) });
            stage.sf.human().update("Lead", &id, body)?;
        }
        Side::Jing => {
            let id = world.jing_ids[rec].clone().ok_or("unbound in JING")?;
            if field == OWNER {
                let m = value.as_deref().map(member).unwrap_or(0);
                let owner = stage.members[m].1.clone();
                stage
                    .jing
                    .human()
                    .change_owner("lead", &id, &owner, false)?;
            } else {
                let body = json!({ world.defs[field].jing: to_jing(stage, field, &value) });
                stage.jing.human().update("lead", &id, body)?;
            }
        }
    }
    let edit = Edit {
        rec,
        side,
        field,
        value,
    };
    trace(
        world,
        &format!(
            "{side:?} sets lead #{rec}.{} = {:?}",
            world.defs[field].sf, edit.value
        ),
    );
    human_edit(&mut world.recs, &mut world.round, edit);
    Ok(())
}

fn owner(stage: &Stage, world: &mut World, rng: &mut StdRng, side: Side) -> Result<&'static str> {
    let mut cands = world.candidates(side, false, false);
    // One owner change per lead and side between syncs: with three members a second change
    // could return to the starting owner, and the end state would not show the two writes.
    cands.retain(|&i| !world.round.edited(i, side, OWNER));
    if cands.is_empty() {
        return create(stage, world, rng, side);
    }
    let rec = cands[rng.random_range(0..cands.len())];
    // A different member: re-assigning the current owner changes nothing.
    let current = world.recs[rec].vals[side as usize][OWNER].clone();
    let others: Vec<String> = (0..stage.members.len())
        .map(|k| format!("m{k}"))
        .filter(|m| Some(m) != current.as_ref())
        .collect();
    let value = Some(others[rng.random_range(0..others.len())].clone());
    write(stage, world, rec, side, OWNER, value)?;
    Ok(match side {
        Side::Sf => "owner change in Salesforce",
        Side::Jing => "owner change in JING",
    })
}

fn delete(stage: &Stage, world: &mut World, rng: &mut StdRng, side: Side) -> Result<&'static str> {
    let cands = world.candidates(side, true, true);
    // Few deletes per sync run: a mass delete trips the circuit breaker (tested elsewhere).
    if cands.is_empty() || world.round.deleted.len() >= 2 {
        return update(stage, world, rng, side, false);
    }
    let rec = cands[rng.random_range(0..cands.len())];
    match side {
        Side::Sf => {
            let id = world.sf_ids[rec].clone().ok_or("unbound")?;
            stage.sf.human().delete("Lead", &id)?;
        }
        Side::Jing => {
            let id = world.jing_ids[rec].clone().ok_or("unbound")?;
            stage.jing.human().invalidate("lead", &id)?;
        }
    }
    trace(world, &format!("{side:?} deletes lead #{rec}"));
    world.round.deleted.push(rec);
    Ok(match side {
        Side::Sf => "delete in Salesforce",
        Side::Jing => "invalidate in JING",
    })
}

fn convert(stage: &Stage, world: &mut World, rng: &mut StdRng) -> Result<&'static str> {
    let cands = world.candidates(Side::Sf, true, true);
    if cands.is_empty() {
        return update(stage, world, rng, Side::Sf, false);
    }
    let rec = cands[rng.random_range(0..cands.len())];
    let id = world.sf_ids[rec].clone().ok_or("unbound")?;
    stage.sf.convert_lead(&id)?;
    // Conversion sets the Salesforce status itself (a do-not-sync field here).
    let row = stage
        .sf
        .record("Lead", &id)
        .ok_or("converted lead vanished")?;
    world.recs[rec].vals[Side::Sf as usize][STATUS] = text(&row["Status"]);
    trace(world, &format!("Salesforce converts lead #{rec}"));
    world.round.converted.push(rec);
    Ok("convert in Salesforce")
}

/// `CONVERGENCE_TRACE=1` prints every operation (to replay a failing seed by hand).
fn trace(world: &World, what: &str) {
    if std::env::var_os("CONVERGENCE_TRACE").is_some() {
        eprintln!("round {}: {what}", world.round_no);
    }
}
