//! The writer's decision log, on every store: each record of a batch gets one decision with
//! its reason, written in one call per apply, and read back under either side's id.

use super::writer::{Stores, World, ZHANG, app, jing_lead, sf_change};
use crate::ports::*;
use crate::write::Outcome;
use domain::conditions::{CondValue, Condition, ConditionGroup, Op, Scope};
use domain::{Actor, Direction, ErrorCode, JingId, ObjectKind, SfId};

async fn decisions_of(w: &World, keys: &[&str]) -> Vec<Decision> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    w.f.decisions
        .for_record(&app(), ObjectKind::Lead, &keys, w.f.clock.now())
        .await
        .unwrap()
}

/// Synced, out of scope (with the missed rule), unchanged, echo, failed and trigger off: one
/// decision each, the reason and the fields named.
pub async fn every_decision_is_logged_with_its_reason(stores: Stores) {
    let mut w = World::new(stores);
    let rules = &mut w
        .settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .jing_to_sf;
    rules.scope = Scope::new(vec![ConditionGroup::new(vec![Condition::new(
        "company_id",
        Op::Equals,
        CondValue::Text("径硕科技".into()),
    )])]);
    let elsewhere = [("name", "李四"), ("company_id", "Other Co")];
    let long = "长".repeat(81);
    let bad = [("name", long.as_str()), ("company_id", "径硕科技")];
    let r = w
        .apply(vec![
            jing_lead("L1", 1, ZHANG),
            jing_lead("L2", 1, &elsewhere),
            jing_lead("L3", 1, &bad),
        ])
        .await;
    assert_eq!(r.outcomes[0], Outcome::Applied);
    assert_eq!(r.outcomes[1], Outcome::Skipped);
    let created = decisions_of(&w, &["L1"]).await;
    match &created[..] {
        [d] => match &d.verdict {
            Verdict::Synced { op, fields } => {
                assert_eq!(*op, SyncedOp::Created);
                assert!(fields.contains(&"LastName".to_owned()), "{fields:?}");
            }
            other => panic!("L1 synced, not {other:?}"),
        },
        other => panic!("one decision for L1: {other:?}"),
    }
    assert_eq!(created[0].direction, Direction::JingToSf);
    assert_eq!(created[0].source.at, jing_lead("L1", 1, ZHANG).source_time);
    let scoped = decisions_of(&w, &["L2"]).await;
    assert_eq!(
        scoped[0].verdict,
        Verdict::OutOfScope {
            rules: vec!["company_id equals \"径硕科技\"".into()],
            fields: vec!["company_id".into()],
        }
    );
    let failed = decisions_of(&w, &["L3"]).await;
    assert!(
        matches!(&failed[0].verdict, Verdict::Failed { code: ErrorCode::ValueTooLong, field: Some(f), retry: false } if f == "LastName"),
        "{failed:?}"
    );
    later_decisions(&mut w).await;
}

/// The same values again (unchanged), our own write coming back (echo), a trigger switched
/// off; read under the Salesforce id too.
async fn later_decisions(w: &mut World) {
    let minute = std::time::Duration::from_secs(60);
    w.f.clock.advance(minute);
    w.apply(vec![jing_lead("L1", 2, ZHANG)]).await;
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    let mut echo = sf_change(ObjectKind::Lead, &b.sf_id, 3, &[("LastName", "张三")]);
    echo.actor = Actor::Integration;
    w.f.clock.advance(minute);
    w.apply(vec![echo]).await;
    w.f.clock.advance(minute);
    w.settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .jing_to_sf
        .on_upsert = false;
    w.apply(vec![jing_lead("L1", 4, &[("name", "张三丰")])])
        .await;
    let sf = b.sf_id.to_string();
    let all = decisions_of(w, &["L1", &sf]).await;
    let kinds: Vec<&Verdict> = all.iter().map(|d| &d.verdict).collect();
    assert!(
        matches!(
            kinds[..],
            [
                Verdict::TriggerOff { .. },
                Verdict::Echo,
                Verdict::Unchanged { .. },
                Verdict::Synced { .. }
            ]
        ),
        "newest first over both ids: {kinds:?}"
    );
    assert_eq!(all[1].direction, Direction::SfToJing);
    assert_eq!(all[1].record_key, sf);
    let _ = SfId::parse(&sf).unwrap();
}
