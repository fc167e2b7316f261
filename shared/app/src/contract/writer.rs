//! The writer's scenarios, run against every store implementation (fakes in `shared/app`,
//! SQLite in `shared/local`): every rule, trigger, dedup path, echo, conversion, association,
//! owner translation, quota parking, the circuit breaker and crash safety. Each scenario panics
//! with a clear message on a violation; `writer_scenarios!` turns them into tests.
#![allow(clippy::too_many_lines)]

use crate as app;
use crate::fakes::FixedClock;
use app::fake_remote::{FakeJing, FakeSalesforce};
use app::ports::*;
use app::settings::{AppSettings, DeleteAction, Environment};
use app::write::{Deps, Outcome, apply};
use domain::{
    Actor, AppId, Change, Direction, ErrorCode, FieldChange, FieldRule, JingId, Lane, ObjectKind,
    Operation, RecordRef, SfId, SyncError, Value,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::Duration;

/// The stores the writer uses, as trait objects (one implementation behind all of them).
#[derive(Clone)]
pub struct Stores {
    pub clock: FixedClock,
    pub bindings: Arc<dyn BindingStore>,
    pub errors: Arc<dyn ErrorStore>,
    pub sync_log: Arc<dyn SyncLog>,
    pub ledger: Arc<dyn Ledger>,
    pub decisions: Arc<dyn DecisionLog>,
    pub quota: Arc<dyn QuotaStore>,
    pub parked: Arc<dyn ParkedStore>,
    pub claims: Arc<dyn RecordClaims>,
    pub settings: Arc<dyn SettingsStore>,
}

impl Stores {
    /// One store that implements every port (SQLite, DynamoDB bundle...).
    pub fn from_store<S>(s: Arc<S>, clock: FixedClock) -> Self
    where
        S: BindingStore
            + ErrorStore
            + SyncLog
            + Ledger
            + DecisionLog
            + QuotaStore
            + ParkedStore
            + RecordClaims
            + SettingsStore
            + 'static,
    {
        Self {
            clock,
            bindings: s.clone(),
            errors: s.clone(),
            sync_log: s.clone(),
            ledger: s.clone(),
            decisions: s.clone(),
            quota: s.clone(),
            parked: s.clone(),
            claims: s.clone(),
            settings: s,
        }
    }

    /// The in-memory fakes.
    pub fn fakes() -> Self {
        let f = crate::fakes::Fakes::new();
        Self {
            clock: f.clock.clone(),
            bindings: Arc::new(f.bindings),
            errors: Arc::new(f.errors),
            sync_log: Arc::new(f.sync_log),
            ledger: Arc::new(f.ledger),
            decisions: Arc::new(f.decisions),
            quota: Arc::new(f.quota),
            parked: Arc::new(f.parked),
            claims: Arc::new(f.claims),
            settings: Arc::new(f.settings),
        }
    }
}

pub(super) struct World {
    pub(super) f: Stores,
    pub(super) sf: FakeSalesforce,
    pub(super) jing: FakeJing,
    pub(super) settings: AppSettings,
}

impl World {
    pub(super) fn new(f: Stores) -> Self {
        let settings = AppSettings::new(app(), "Acme", Environment::Production, "jing-app", "59");
        Self {
            f,
            sf: FakeSalesforce::new(),
            jing: FakeJing::new(),
            settings,
        }
    }
    pub(super) fn deps(&self) -> Deps<'_> {
        Deps {
            bindings: self.f.bindings.as_ref(),
            errors: self.f.errors.as_ref(),
            synced: self.f.sync_log.as_ref(),
            ledger: self.f.ledger.as_ref(),
            decisions: self.f.decisions.as_ref(),
            quota: self.f.quota.as_ref(),
            parked: self.f.parked.as_ref(),
            claims: self.f.claims.as_ref(),
            settings: self.f.settings.as_ref(),
            sf: &self.sf,
            jing: &self.jing,
            clock: &self.f.clock,
            staging: None,
        }
    }
    pub(super) async fn apply(&self, changes: Vec<Change>) -> app::write::ApplyReport {
        apply(&self.deps(), &self.settings, changes).await
    }
    pub(super) async fn binding_of_jing(&self, object: ObjectKind, id: &JingId) -> Option<Binding> {
        self.f.bindings.by_jing(&app(), object, id).await.unwrap()
    }
}

pub(super) fn app() -> AppId {
    AppId::parse("acme").unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, FieldChange> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                FieldChange {
                    before: None,
                    after: Value::text(*v),
                },
            )
        })
        .collect()
}

pub(super) fn jing_lead(id: &str, minutes: i64, pairs: &[(&str, &str)]) -> Change {
    Change {
        v: 1,
        app: app(),
        object: ObjectKind::Lead,
        record: RecordRef::Jing(JingId::parse(id).unwrap()),
        op: Operation::Upsert,
        source_time: FixedClock::DEFAULT_START + Duration::minutes(minutes),
        actor: Actor::Human(None),
        lane: Lane::Live,
        fields: fields(pairs),
    }
}

pub(super) fn sf_change(
    object: ObjectKind,
    id: &SfId,
    minutes: i64,
    pairs: &[(&str, &str)],
) -> Change {
    Change {
        record: RecordRef::Salesforce(id.clone()),
        object,
        ..jing_lead("x", minutes, pairs)
    }
}

pub(super) fn sf_fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::text(*v)))
        .collect()
}

pub(super) const ZHANG: &[(&str, &str)] = &[
    ("name", "张三"),
    ("company_id", "径硕科技"),
    ("mobile", "13800138000"),
    ("email", "zhang@example.cn"),
];

pub async fn a_jing_lead_is_created_in_salesforce_and_bound(stores: Stores) {
    let w = World::new(stores);
    let r = w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.created, 1);
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .expect("bound");
    let rec = w.sf.record(&b.sf_id).unwrap();
    assert_eq!(rec["LastName"], Value::text("张三"));
    assert_eq!(rec["Company"], Value::text("径硕科技"));
    assert_eq!(b.last_synced["Email"], Value::text("zhang@example.cn"));
    assert_eq!(b.name, "张三");
    let page =
        w.f.sync_log
            .list(
                &app(),
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(page.total, 1);
}

pub async fn the_same_values_again_are_an_echo_and_cost_no_call(stores: Stores) {
    let w = World::new(stores);
    w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    let calls = w.sf.calls_made();
    let r = w.apply(vec![jing_lead("L1", 2, ZHANG)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.sf.calls_made(), calls, "an echo must not call Salesforce");
    // And the Salesforce side's echo of our own write (integration user) writes nothing to JING.
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    let mut echo = sf_change(
        ObjectKind::Lead,
        &b.sf_id,
        3,
        &[("LastName", "张三"), ("Email", "zhang@example.cn")],
    );
    echo.actor = Actor::Integration;
    let jing_calls = w.jing.calls();
    assert_eq!(w.apply(vec![echo]).await.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.jing.calls(), jing_calls);
}

pub async fn salesforce_duplicates_are_bound_and_updated_instead_of_created(stores: Stores) {
    let w = World::new(stores);
    let existing = w.sf.insert(
        "Lead",
        sf_fields(&[
            ("LastName", "Old"),
            ("Company", "X"),
            ("Email", "ZHANG@example.cn"),
        ]),
    );
    let r = w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    assert_eq!(r.counts.bound_existing, 1, "{:?}", r.outcomes);
    assert_eq!(r.counts.created, 0);
    assert_eq!(w.sf.count("Lead"), 1);
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    assert_eq!(b.sf_id, existing);
    assert_eq!(
        w.sf.record(&existing).unwrap()["LastName"],
        Value::text("张三")
    );
}

pub async fn jing_dedup_binds_to_the_existing_jing_lead(stores: Stores) {
    let w = World::new(stores);
    let existing = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("mobile", "13800138000")]),
    );
    let sf_id = w.sf.insert(
        "Lead",
        sf_fields(&[
            ("LastName", "张三"),
            ("Company", "径硕"),
            ("MobilePhone", "13800138000"),
        ]),
    );
    let r = w
        .apply(vec![sf_change(
            ObjectKind::Lead,
            &sf_id,
            1,
            &[
                ("LastName", "张三"),
                ("Company", "径硕"),
                ("MobilePhone", "13800138000"),
            ],
        )])
        .await;
    assert_eq!(r.counts.bound_existing, 1, "{:?}", r.outcomes);
    assert_eq!(w.jing.count("lead"), 1);
    assert!(
        w.binding_of_jing(ObjectKind::Lead, &existing)
            .await
            .is_some()
    );
}

pub async fn a_value_error_is_recorded_before_any_api_call(stores: Stores) {
    let w = World::new(stores);
    let long = "长".repeat(81);
    let r = w
        .apply(vec![jing_lead(
            "L1",
            1,
            &[("name", &long), ("company_id", "X")],
        )])
        .await;
    let Outcome::Failed(e) = &r.outcomes[0] else {
        panic!("{:?}", r.outcomes)
    };
    assert_eq!(e.code, ErrorCode::ValueTooLong);
    assert_eq!(e.field.as_deref(), Some("LastName"));
    assert_eq!(w.sf.calls_made(), 0, "pre-flight must not spend calls");
    let rec =
        w.f.errors
            .get(&app(), ObjectKind::Lead, "L1")
            .await
            .unwrap()
            .expect("error record");
    assert_eq!(rec.count, 1);
    // Fixed at the source: the record syncs and its error clears itself.
    let r = w
        .apply(vec![jing_lead(
            "L1",
            2,
            &[("name", "张三"), ("company_id", "X")],
        )])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert!(
        w.f.errors
            .get(&app(), ObjectKind::Lead, "L1")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_direction_that_is_off_writes_nothing(stores: Stores) {
    let mut w = World::new(stores);
    w.settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .jing_to_sf
        .on_upsert = false;
    let r = w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.sf.count("Lead"), 0);
}

pub async fn jing_preferred_fields_are_not_overwritten_from_salesforce(stores: Stores) {
    let mut w = World::new(stores);
    let lead = w.settings.objects.get_mut(&ObjectKind::Lead).unwrap();
    lead.mapping
        .iter_mut()
        .find(|m| m.sf_field == "Title")
        .unwrap()
        .rule = FieldRule::JingPreferred;
    let id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("company_id", "X"), ("title", "CEO")]),
    );
    w.apply(vec![jing_lead(
        id.as_str(),
        1,
        &[("name", "张三"), ("company_id", "X"), ("title", "CEO")],
    )])
    .await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    let r = w
        .apply(vec![sf_change(
            ObjectKind::Lead,
            &b.sf_id,
            5,
            &[("Title", "CTO"), ("Company", "Y")],
        )])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    let jing = w.jing.record(&id).unwrap();
    assert_eq!(jing["title"], Value::text("CEO"));
    assert_eq!(jing["company_id"], Value::text("Y"));
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    assert_eq!(
        b.last_synced["Title"],
        Value::text("CEO"),
        "JING's title stands"
    );
    assert_eq!(
        b.last_synced["Company"],
        Value::text("Y"),
        "two-way fields still flow"
    );
}

pub async fn changes_to_one_record_in_a_batch_are_coalesced_into_one_write(stores: Stores) {
    let w = World::new(stores);
    let batch = vec![
        jing_lead("L1", 1, ZHANG),
        jing_lead("L1", 2, &[("title", "经理")]),
        jing_lead("L1", 3, &[("title", "总监")]),
    ];
    let r = w.apply(batch).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied; 3]);
    assert_eq!(r.counts.created, 1);
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    assert_eq!(w.sf.record(&b.sf_id).unwrap()["Title"], Value::text("总监"));
}

pub async fn a_spent_allocation_parks_changes_and_a_transient_failure_retries(stores: Stores) {
    let w = World::new(stores);
    w.sf.fail_next(SyncError::new(ErrorCode::AllocationSpent));
    let r = w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Parked]);
    assert_eq!(w.f.parked.count(&app()).await.unwrap(), 1);
    // Parked, not failed: listed with the quota's cause and fix until it goes through.
    let listed =
        w.f.errors
            .get(&app(), ObjectKind::Lead, "L1")
            .await
            .unwrap();
    let listed = listed.expect("a parked change is listed among the failures");
    assert_eq!(listed.error.code, ErrorCode::AllocationSpent);
    assert_eq!(listed.error.category(), domain::Category::Quota);
    let again = w.f.parked.take(&app(), 10).await.unwrap();
    assert_eq!(w.apply(again).await.outcomes, vec![Outcome::Applied]);
    let cleared =
        w.f.errors
            .get(&app(), ObjectKind::Lead, "L1")
            .await
            .unwrap();
    assert!(
        cleared.is_none(),
        "the listing clears when the change goes through"
    );

    w.sf.fail_next(SyncError::new(ErrorCode::RemoteUnavailable).detail("503"));
    let r = w
        .apply(vec![jing_lead(
            "L2",
            1,
            &[("name", "李四"), ("company_id", "X")],
        )])
        .await;
    assert!(
        matches!(r.outcomes[0], Outcome::Retry(_)),
        "{:?}",
        r.outcomes
    );
}

pub async fn owners_travel_through_member_bindings_or_are_kept_with_a_warning(stores: Stores) {
    let w = World::new(stores);
    let user = SfId::parse("005000000000777").unwrap();
    let emp = JingId::parse("emp7").unwrap();
    w.f.bindings
        .put(
            &Binding::new(
                app(),
                ObjectKind::Member,
                user.clone(),
                emp.clone(),
                w.f.clock.now(),
            ),
            None,
        )
        .await
        .unwrap();
    let mut c = jing_lead("L1", 1, ZHANG);
    c.fields.insert(
        "owner".into(),
        FieldChange {
            before: None,
            after: Value::text("emp7"),
        },
    );
    let r = w.apply(vec![c]).await;
    assert_eq!(r.counts.owner_warnings, 0);
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    assert_eq!(
        w.sf.record(&b.sf_id).unwrap()["OwnerId"],
        Value::text(user.as_str())
    );

    let mut c = jing_lead(
        "L2",
        1,
        &[
            ("name", "李四"),
            ("company_id", "X"),
            ("owner", "empUnbound"),
        ],
    );
    c.fields.get_mut("owner").unwrap().after = Value::text("empUnbound");
    let r = w.apply(vec![c]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.owner_warnings, 1);
    let b = w
        .binding_of_jing(ObjectKind::Lead, &JingId::parse("L2").unwrap())
        .await
        .unwrap();
    assert!(!w.sf.record(&b.sf_id).unwrap().contains_key("OwnerId"));
}

pub async fn a_converted_lead_binds_its_opportunity_whose_updates_reach_the_jing_lead(
    stores: Stores,
) {
    let w = World::new(stores);
    let jing_id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "王五"), ("mobile", "13900000000")]),
    );
    let sf_lead =
        w.sf.insert("Lead", sf_fields(&[("LastName", "王五"), ("Company", "X")]));
    w.f.bindings
        .put(
            &Binding::new(
                app(),
                ObjectKind::Lead,
                sf_lead.clone(),
                jing_id.clone(),
                w.f.clock.now(),
            ),
            None,
        )
        .await
        .unwrap();
    let opp = SfId::parse("006000000000001").unwrap();
    let mut convert = sf_change(ObjectKind::Lead, &sf_lead, 1, &[]);
    convert.op = Operation::Convert {
        account: None,
        contact: None,
        opportunity: Some(opp.clone()),
    };
    assert_eq!(
        w.apply(vec![convert]).await.outcomes,
        vec![Outcome::Applied]
    );
    let lead =
        w.f.bindings
            .by_sf(&app(), ObjectKind::Lead, &sf_lead)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(lead.converted_to.as_ref(), Some(&opp));

    let r = w
        .apply(vec![sf_change(
            ObjectKind::Opportunity,
            &opp,
            2,
            &[("StageName", "Closed Won"), ("Name", "王五-商机")],
        )])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    let rec = w.jing.record(&jing_id).unwrap();
    assert_eq!(rec["opportunity_stage"], Value::text("Closed Won"));
    // Never update a converted lead from JING.
    let calls = w.sf.calls_made();
    let r = w
        .apply(vec![jing_lead(jing_id.as_str(), 3, &[("title", "VP")])])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.sf.calls_made(), calls);
    // Opportunities are never created from JING or from unbound Salesforce opportunities.
    let stray = SfId::parse("006000000000009").unwrap();
    assert_eq!(
        w.apply(vec![sf_change(
            ObjectKind::Opportunity,
            &stray,
            4,
            &[("Name", "x")]
        )])
        .await
        .outcomes,
        vec![Outcome::Skipped]
    );
}

pub async fn deletes_follow_the_delete_trigger(stores: Stores) {
    let mut w = World::new(stores);
    w.apply(vec![jing_lead("L1", 1, ZHANG)]).await;
    let id = JingId::parse("L1").unwrap();
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    let mut del = jing_lead("L1", 2, &[]);
    del.op = Operation::Delete;
    // Default: deletes do nothing.
    assert_eq!(
        w.apply(vec![del.clone()]).await.outcomes,
        vec![Outcome::Skipped]
    );
    assert_eq!(w.sf.count("Lead"), 1);
    w.settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .jing_to_sf
        .on_delete = DeleteAction::Delete;
    let r = w.apply(vec![del]).await;
    assert_eq!(r.counts.deleted, 1);
    assert!(
        w.f.bindings
            .by_sf(&app(), ObjectKind::Lead, &b.sf_id)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn the_circuit_breaker_pauses_a_mass_delete_and_parks_it(stores: Stores) {
    let mut w = World::new(stores);
    w.settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .jing_to_sf
        .on_delete = DeleteAction::Delete;
    w.f.settings
        .put(&AppSettings {
            revision: 1,
            ..w.settings.clone()
        })
        .await
        .unwrap();
    w.settings.revision = 1;
    let creates: Vec<Change> = (0..100)
        .map(|i| {
            jing_lead(
                &format!("L{i}"),
                1,
                &[
                    ("name", &format!("n{i}")),
                    ("company_id", "X"),
                    ("email", &format!("p{i}@x.cn")),
                ],
            )
        })
        .collect();
    assert_eq!(w.apply(creates).await.counts.created, 100);
    let deletes: Vec<Change> = (0..60)
        .map(|i| {
            let mut d = jing_lead(&format!("L{i}"), 2, &[]);
            d.op = Operation::Delete;
            d
        })
        .collect();
    let r = w.apply(deletes).await;
    assert_eq!(r.counts.parked, 60, "{:?}", r.counts);
    assert_eq!(w.sf.count("Lead"), 100, "nothing deleted");
    let saved = w.f.settings.get(&app()).await.unwrap().unwrap();
    assert_eq!(saved.paused.len(), 1);
    assert_eq!(saved.paused[0].reason.code, ErrorCode::CircuitOpen);
    assert_eq!(saved.paused[0].direction, Direction::JingToSf);
}

pub async fn concurrent_edits_of_a_two_way_field_land_in_the_conflict_ledger(stores: Stores) {
    let w = World::new(stores);
    let id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("mobile", "13800138000")]),
    );
    w.apply(vec![jing_lead(id.as_str(), 1, ZHANG)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // Salesforce's change (made at +10 min) is applied first...
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(11));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "SF title")]));
    w.apply(vec![sf_change(
        ObjectKind::Lead,
        &b.sf_id,
        10,
        &[("Title", "SF title")],
    )])
    .await;
    // ...then JING's older change (made at +5 min, before that sync) arrives.
    let r = w
        .apply(vec![jing_lead(id.as_str(), 5, &[("title", "JING title")])])
        .await;
    assert_eq!(
        r.outcomes,
        vec![Outcome::Skipped],
        "the later change already won; the stale one writes nothing"
    );
    assert_eq!(r.counts.conflicts, 1);
    let ledger =
        w.f.ledger
            .conflicts(
                &app(),
                &ListQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(ledger.total, 1);
    let entry = &ledger.items[0];
    assert_eq!(entry.field, "Title");
    assert_eq!(entry.conflict.winner, domain::Side::Salesforce);
    assert_eq!(entry.conflict.incoming, Value::text("JING title"));
    assert_eq!(entry.conflict.target, Value::text("SF title"));
    assert_eq!(
        w.sf.record(&b.sf_id).unwrap()["Title"],
        Value::text("SF title")
    );
    assert_eq!(
        w.jing.record(&id).unwrap()["title"],
        Value::text("SF title")
    );
    // A JING edit made after the sync is an ordinary update, not a conflict.
    let r = w
        .apply(vec![jing_lead(id.as_str(), 12, &[("title", "JING later")])])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.conflicts, 0);
}

pub async fn a_newer_concurrent_change_wins_on_both_sides(stores: Stores) {
    let w = World::new(stores);
    let id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("mobile", "13800138000")]),
    );
    w.apply(vec![jing_lead(id.as_str(), 1, ZHANG)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // Salesforce edits at +10 min; we apply it at +12 min (JING's own edit at +11 is still in
    // flight, so our write overwrites it in JING).
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(12));
    w.sf.human_update(&b.sf_id, sf_fields(&[("Title", "SF title")]));
    w.apply(vec![sf_change(
        ObjectKind::Lead,
        &b.sf_id,
        10,
        &[("Title", "SF title")],
    )])
    .await;
    assert_eq!(
        w.jing.record(&id).unwrap()["title"],
        Value::text("SF title")
    );
    // JING's edit (made at +11, newer) arrives: it wins, and JING gets its own value back.
    let r = w
        .apply(vec![jing_lead(id.as_str(), 11, &[("title", "JING title")])])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.conflicts, 1);
    assert_eq!(
        w.sf.record(&b.sf_id).unwrap()["Title"],
        Value::text("JING title")
    );
    assert_eq!(
        w.jing.record(&id).unwrap()["title"],
        Value::text("JING title"),
        "converged"
    );
}

/// A binding store that loses the next `put` (a crash between "written to the target" and
/// "binding stored").
pub(super) struct CrashingBindings {
    pub(super) inner: Arc<dyn BindingStore>,
    pub(super) crash_next_put: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl BindingStore for CrashingBindings {
    async fn by_sf(&self, app: &AppId, o: ObjectKind, id: &SfId) -> StoreResult<Option<Binding>> {
        self.inner.by_sf(app, o, id).await
    }
    async fn by_jing(
        &self,
        app: &AppId,
        o: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        self.inner.by_jing(app, o, id).await
    }
    async fn put(&self, b: &Binding, expected: Option<u64>) -> StoreResult<()> {
        if self
            .crash_next_put
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Err(StoreError::Unavailable("process killed".into()));
        }
        self.inner.put(b, expected).await
    }
    async fn remove(&self, app: &AppId, o: ObjectKind, id: &SfId) -> StoreResult<()> {
        self.inner.remove(app, o, id).await
    }
    async fn count(&self, app: &AppId, o: ObjectKind) -> StoreResult<u64> {
        self.inner.count(app, o).await
    }
    async fn list(
        &self,
        app: &AppId,
        o: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        self.inner.list(app, o, after, limit).await
    }
}

pub async fn a_crash_between_the_write_and_the_binding_binds_on_retry_instead_of_duplicating(
    stores: Stores,
) {
    let w = World::new(stores);
    let bindings = CrashingBindings {
        inner: w.f.bindings.clone(),
        crash_next_put: std::sync::atomic::AtomicBool::new(true),
    };
    let deps = Deps {
        bindings: &bindings,
        ..w.deps()
    };
    let change = jing_lead("L1", 1, ZHANG);
    let r = apply(&deps, &w.settings, vec![change.clone()]).await;
    assert!(
        matches!(r.outcomes[0], Outcome::Retry(_)),
        "{:?}",
        r.outcomes
    );
    assert_eq!(
        w.sf.count("Lead"),
        1,
        "the lead was written before the crash"
    );
    // Redelivery: the duplicate pre-check finds the lead by e-mail and binds to it.
    let r = apply(&deps, &w.settings, vec![change]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.bound_existing, 1);
    assert_eq!(w.sf.count("Lead"), 1, "no duplicate");
    let b = bindings
        .by_jing(&app(), ObjectKind::Lead, &JingId::parse("L1").unwrap())
        .await
        .unwrap();
    assert!(b.is_some());
}

pub async fn edits_of_different_fields_on_both_sides_are_not_a_conflict(stores: Stores) {
    let w = World::new(stores);
    let id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("mobile", "13800138000")]),
    );
    w.apply(vec![jing_lead(id.as_str(), 1, ZHANG)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // Salesforce edits FirstName at +10, applied at +12; JING edited Company at +11 meanwhile.
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(12));
    w.sf.human_update(&b.sf_id, sf_fields(&[("FirstName", "小")]));
    w.apply(vec![sf_change(
        ObjectKind::Lead,
        &b.sf_id,
        10,
        &[("FirstName", "小")],
    )])
    .await;
    let r = w
        .apply(vec![jing_lead(
            id.as_str(),
            11,
            &[("company_id", "新公司")],
        )])
        .await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.conflicts, 0, "different fields never conflict");
    assert_eq!(
        w.sf.record(&b.sf_id).unwrap()["Company"],
        Value::text("新公司")
    );
}

pub async fn a_persons_delete_is_not_taken_for_our_echo(stores: Stores) {
    let mut w = World::new(stores);
    w.settings
        .objects
        .get_mut(&ObjectKind::Lead)
        .unwrap()
        .sf_to_jing
        .on_delete = DeleteAction::Delete;
    let id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "张三"), ("mobile", "13800138000")]),
    );
    w.apply(vec![jing_lead(id.as_str(), 1, ZHANG)]).await;
    let b = w.binding_of_jing(ObjectKind::Lead, &id).await.unwrap();
    // The poller reads the delete with our user as the last modifier (we wrote the lead last).
    let mut del = sf_change(ObjectKind::Lead, &b.sf_id, 5, &[]);
    del.op = Operation::Delete;
    del.actor = Actor::Integration;
    let r = w.apply(vec![del]).await;
    assert_eq!(r.counts.deleted, 1, "{:?}", r.outcomes);
    assert!(w.jing.record(&id).is_none(), "invalidated in JING");
}

/// One `#[tokio::test]` per writer scenario over the stores `$make()` builds.
#[macro_export]
macro_rules! writer_scenarios {
    ($make:expr) => {
        #[tokio::test]
        async fn edits_of_the_same_second_in_the_wrong_order_end_with_the_latest() {
            $crate::contract::writer_ties::edits_of_the_same_second_in_the_wrong_order_end_with_the_latest(($make)()).await
        }
        #[tokio::test]
        async fn jing_edits_of_the_same_second_in_the_wrong_order_end_with_the_latest() {
            $crate::contract::writer_ties::jing_edits_of_the_same_second_in_the_wrong_order_end_with_the_latest(($make)()).await
        }
        #[tokio::test]
        async fn an_edit_before_its_create_waits_for_it() {
            $crate::contract::writer_ties::an_edit_before_its_create_waits_for_it(($make)()).await
        }
        #[tokio::test]
        async fn a_mass_delete_in_small_batches_trips_the_breaker() {
            $crate::contract::writer_breaker::a_mass_delete_in_small_batches_trips_the_breaker(($make)()).await
        }
        #[tokio::test]
        async fn deletes_spread_beyond_the_window_do_not_trip_it() {
            $crate::contract::writer_breaker::deletes_spread_beyond_the_window_do_not_trip_it(($make)()).await
        }
        #[tokio::test]
        async fn mass_overwrites_trip_at_their_own_threshold_fills_never() {
            $crate::contract::writer_breaker::mass_overwrites_trip_at_their_own_threshold_fills_never(($make)()).await
        }
        #[tokio::test]
        async fn every_decision_is_logged_with_its_reason() {
            $crate::contract::writer_decisions::every_decision_is_logged_with_its_reason(($make)()).await
        }
        #[tokio::test]
        async fn with_an_external_id_a_create_whose_outcome_was_lost_is_not_made_twice() {
            $crate::contract::writer_claims::with_an_external_id_a_create_whose_outcome_was_lost_is_not_made_twice(($make)()).await
        }
        #[tokio::test]
        async fn without_an_external_id_a_lost_create_is_looked_up_before_creating() {
            $crate::contract::writer_claims::without_an_external_id_a_lost_create_is_looked_up_before_creating(($make)()).await
        }
        #[tokio::test]
        async fn a_record_another_writer_holds_waits_for_it() {
            $crate::contract::writer_claims::a_record_another_writer_holds_waits_for_it(($make)()).await
        }
        #[tokio::test]
        async fn twenty_writers_racing_on_one_new_lead_make_one_lead() {
            $crate::contract::writer_claims::twenty_writers_racing_on_one_new_lead_make_one_lead(($make)()).await
        }
        #[tokio::test]
        async fn a_jing_lead_is_created_in_salesforce_and_bound() {
            $crate::contract::writer::a_jing_lead_is_created_in_salesforce_and_bound(($make)()).await
        }
        #[tokio::test]
        async fn the_same_values_again_are_an_echo_and_cost_no_call() {
            $crate::contract::writer::the_same_values_again_are_an_echo_and_cost_no_call(($make)()).await
        }
        #[tokio::test]
        async fn salesforce_duplicates_are_bound_and_updated_instead_of_created() {
            $crate::contract::writer::salesforce_duplicates_are_bound_and_updated_instead_of_created(($make)()).await
        }
        #[tokio::test]
        async fn jing_dedup_binds_to_the_existing_jing_lead() {
            $crate::contract::writer::jing_dedup_binds_to_the_existing_jing_lead(($make)()).await
        }
        #[tokio::test]
        async fn a_value_error_is_recorded_before_any_api_call() {
            $crate::contract::writer::a_value_error_is_recorded_before_any_api_call(($make)()).await
        }
        #[tokio::test]
        async fn a_direction_that_is_off_writes_nothing() {
            $crate::contract::writer::a_direction_that_is_off_writes_nothing(($make)()).await
        }
        #[tokio::test]
        async fn jing_preferred_fields_are_not_overwritten_from_salesforce() {
            $crate::contract::writer::jing_preferred_fields_are_not_overwritten_from_salesforce(($make)()).await
        }
        #[tokio::test]
        async fn changes_to_one_record_in_a_batch_are_coalesced_into_one_write() {
            $crate::contract::writer::changes_to_one_record_in_a_batch_are_coalesced_into_one_write(($make)()).await
        }
        #[tokio::test]
        async fn a_spent_allocation_parks_changes_and_a_transient_failure_retries() {
            $crate::contract::writer::a_spent_allocation_parks_changes_and_a_transient_failure_retries(($make)()).await
        }
        #[tokio::test]
        async fn owners_travel_through_member_bindings_or_are_kept_with_a_warning() {
            $crate::contract::writer::owners_travel_through_member_bindings_or_are_kept_with_a_warning(($make)()).await
        }
        #[tokio::test]
        async fn a_converted_lead_binds_its_opportunity_whose_updates_reach_the_jing_lead() {
            $crate::contract::writer::a_converted_lead_binds_its_opportunity_whose_updates_reach_the_jing_lead(($make)()).await
        }
        #[tokio::test]
        async fn deletes_follow_the_delete_trigger() {
            $crate::contract::writer::deletes_follow_the_delete_trigger(($make)()).await
        }
        #[tokio::test]
        async fn the_circuit_breaker_pauses_a_mass_delete_and_parks_it() {
            $crate::contract::writer::the_circuit_breaker_pauses_a_mass_delete_and_parks_it(($make)()).await
        }
        #[tokio::test]
        async fn keeping_the_losing_sides_value_writes_it_to_both_sides() {
            $crate::contract::writer_settle::keeping_the_losing_sides_value_writes_it_to_both_sides(($make)()).await
        }
        #[tokio::test]
        async fn concurrent_edits_of_a_two_way_field_land_in_the_conflict_ledger() {
            $crate::contract::writer::concurrent_edits_of_a_two_way_field_land_in_the_conflict_ledger(($make)()).await
        }
        #[tokio::test]
        async fn a_newer_concurrent_change_wins_on_both_sides() {
            $crate::contract::writer::a_newer_concurrent_change_wins_on_both_sides(($make)()).await
        }
        #[tokio::test]
        async fn a_crash_between_the_write_and_the_binding_binds_on_retry_instead_of_duplicating() {
            $crate::contract::writer::a_crash_between_the_write_and_the_binding_binds_on_retry_instead_of_duplicating(($make)()).await
        }
        #[tokio::test]
        async fn edits_of_different_fields_on_both_sides_are_not_a_conflict() {
            $crate::contract::writer::edits_of_different_fields_on_both_sides_are_not_a_conflict(($make)()).await
        }
        #[tokio::test]
        async fn a_persons_delete_is_not_taken_for_our_echo() {
            $crate::contract::writer::a_persons_delete_is_not_taken_for_our_echo(($make)()).await
        }
        #[tokio::test]
        async fn a_held_back_edit_fills_the_preferred_sides_unknown_blank() {
            $crate::contract::writer_views::a_held_back_edit_fills_the_preferred_sides_unknown_blank(($make)()).await
        }
        #[tokio::test]
        async fn a_polled_snapshot_we_saved_last_still_carries_a_persons_earlier_edit() {
            $crate::contract::writer_views::a_polled_snapshot_we_saved_last_still_carries_a_persons_earlier_edit(($make)()).await
        }
        #[tokio::test]
        async fn a_conversion_marks_the_jing_lead_and_brings_the_opportunity_values() {
            $crate::contract::writer_conversion::a_conversion_marks_the_jing_lead_and_brings_the_opportunity_values(($make)()).await
        }
        #[tokio::test]
        async fn a_duplicate_bound_to_another_pair_is_an_association_error() {
            $crate::contract::writer_conversion::a_duplicate_bound_to_another_pair_is_an_association_error(($make)()).await
        }
        #[tokio::test]
        async fn an_initialization_bind_of_emails_differing_in_case_records_no_conflict() {
            $crate::contract::writer_email::an_initialization_bind_of_emails_differing_in_case_records_no_conflict(($make)()).await
        }
        #[tokio::test]
        async fn a_clear_is_not_written_to_a_side_known_to_be_empty() {
            $crate::contract::writer_views::a_clear_is_not_written_to_a_side_known_to_be_empty(($make)()).await
        }
    };
}
