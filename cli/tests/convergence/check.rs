//! Reading both systems back and comparing them with the model.

use super::lead::{OWNER, STATUS, text};
use super::model::{Side, State, Val};
use super::ops::World;
use super::stage::{Result, Stage};
use app::ports::BindingStore;
use domain::ObjectKind;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// What one side of one record looks like right now.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub gone: bool,
    /// Every field except the bookkeeping the system itself stamps on each write.
    pub content: BTreeMap<String, Json>,
    /// Changes on every write (SystemModstamp / updated time).
    pub stamp: String,
}

const SF_STAMPS: [&str; 4] = [
    "SystemModstamp",
    "LastModifiedDate",
    "LastModifiedById",
    "attributes",
];

pub fn seen(stage: &Stage, world: &World, rec: usize, side: Side) -> Option<Seen> {
    match side {
        Side::Sf => {
            let id = world.sf_ids[rec].as_ref()?;
            let row = stage.sf.record("Lead", id)?;
            let obj = row.as_object()?;
            Some(Seen {
                gone: obj.get("IsDeleted") == Some(&Json::Bool(true)),
                stamp: obj
                    .get("SystemModstamp")
                    .map(Json::to_string)
                    .unwrap_or_default(),
                content: obj
                    .iter()
                    .filter(|(k, _)| !SF_STAMPS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
        }
        Side::Jing => {
            let id = world.jing_ids[rec].as_ref()?;
            let r = stage.jing.record("lead", id)?;
            Some(Seen {
                gone: r.invalid,
                stamp: r.updated_ms.to_string(),
                content: r.fields.into_iter().collect(),
            })
        }
    }
}

/// The model value of one field as a side shows it (owners as member indexes).
fn actual(stage: &Stage, world: &World, rec: usize, side: Side, field: usize) -> Option<Val> {
    let s = seen(stage, world, rec, side)?;
    let name = match side {
        Side::Sf => world.defs[field].sf,
        Side::Jing => world.defs[field].jing,
    };
    let v = s.content.get(name).and_then(text);
    if field != OWNER {
        return Some(v);
    }
    let m = stage.members.iter().position(|(u, e)| match side {
        Side::Sf => v.as_deref() == Some(u.as_str()),
        Side::Jing => v.as_deref() == Some(e.as_str()),
    });
    Some(
        m.map(|k| format!("m{k}"))
            .or(v.map(|raw| format!("unmapped {raw}"))),
    )
}

/// Learn the ids the connector gave the records created in this round.
pub async fn learn_bindings(stage: &Stage, world: &mut World, seed: u64) -> Result<()> {
    for &i in &world.round.created.clone() {
        let store = stage.store();
        let b = match world.recs[i].origin {
            Side::Sf => {
                let id = world.sf_ids[i].clone().ok_or("no id")?;
                BindingStore::by_sf(store, &stage.app, ObjectKind::Lead, &id).await?
            }
            Side::Jing => {
                let id = world.jing_ids[i].clone().ok_or("no id")?;
                BindingStore::by_jing(store, &stage.app, ObjectKind::Lead, &id).await?
            }
        };
        let b = b.ok_or_else(|| {
            format!(
                "seed {seed}: lead #{i} created in {:?} in round {} was not bound after the sync",
                world.recs[i].origin, world.round_no
            )
        })?;
        world.sf_ids[i] = Some(b.sf_id);
        world.jing_ids[i] = Some(b.jing_id);
    }
    Ok(())
}

/// Do-not-sync fields of a side the connector created hold that side's own default: the
/// model takes it once (the connector never writes these fields, which later syncs check).
pub fn adopt_defaults(stage: &Stage, world: &mut World) -> Result<()> {
    for i in world.round.created.clone() {
        let target = world.recs[i].origin.other();
        let got = actual(stage, world, i, target, STATUS).ok_or("created record missing")?;
        world.recs[i].vals[target as usize][STATUS] = got;
    }
    Ok(())
}

/// Where an alternative outcome is right too (see `model::Ambiguity`) and the systems hold it,
/// the model takes it; anything else keeps the model's own outcome, which the comparison checks.
pub fn adopt_either(stage: &Stage, world: &mut World, ambiguous: &[super::model::Ambiguity]) {
    for a in ambiguous {
        let sf = actual(stage, world, a.rec, Side::Sf, a.field).unwrap_or(None);
        let jing = actual(stage, world, a.rec, Side::Jing, a.field).unwrap_or(None);
        if [sf.clone(), jing.clone()] == a.alternative {
            let rec = &mut world.recs[a.rec];
            rec.vals[Side::Sf as usize][a.field] = sf;
            rec.vals[Side::Jing as usize][a.field] = jing;
            rec.held[a.field] = a.held;
        }
    }
}

/// Every record, every field, both sides, against the model.
pub fn compare(stage: &Stage, world: &World, seed: u64, when: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    for (i, rec) in world.recs.iter().enumerate() {
        for side in [Side::Sf, Side::Jing] {
            let s = seen(stage, world, i, side);
            let gone = s.as_ref().is_none_or(|s| s.gone);
            if (rec.state == State::Deleted) != gone {
                diffs.push(format!(
                    "seed {seed} ({when}): lead #{i} (sf {:?}, jing {:?}) on {side:?}: model {:?}, system gone={gone}",
                    world.sf_ids[i], world.jing_ids[i], rec.state
                ));
                continue;
            }
            if gone {
                continue;
            }
            for (f, def) in world.defs.iter().enumerate() {
                let want = &rec.vals[side as usize][f];
                let got = actual(stage, world, i, side, f).unwrap_or(None);
                if *want != got {
                    diffs.push(format!(
                        "seed {seed} ({when}): lead #{i} (sf {:?}, jing {:?}, origin {:?}, {:?}) {side:?}.{} [{:?}/{:?}]: model {want:?}, system {got:?}",
                        world.sf_ids[i], world.jing_ids[i], rec.origin, rec.state,
                        def.sf, def.rule, def.blank
                    ));
                }
            }
        }
    }
    diffs
}

/// Snapshot of every existing side of every record, before a sync.
pub fn snapshot(stage: &Stage, world: &World) -> BTreeMap<(usize, Side), Seen> {
    let mut out = BTreeMap::new();
    for i in 0..world.recs.len() {
        for side in [Side::Sf, Side::Jing] {
            if let Some(s) = seen(stage, world, i, side) {
                out.insert((i, side), s);
            }
        }
    }
    out
}

/// What the connector itself reports, appended to a failure message.
pub async fn diagnose(stage: &Stage) -> String {
    let q = app::ports::ListQuery {
        limit: 0,
        ..app::ports::ListQuery::default()
    };
    let errors = app::ports::ErrorStore::list(stage.store(), &stage.app, &q)
        .await
        .map(|p| {
            p.items
                .iter()
                .map(|e| format!("{} {}: {}", e.object, e.record_key, e.error))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let settings = stage.settings().await.ok();
    format!(
        "writer {:?}; recorded errors {:?}; paused {:?}",
        stage.drained.counts,
        errors,
        settings.map(|s| s.paused)
    )
}
