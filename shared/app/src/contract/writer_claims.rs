//! The writer's record claims, on every store: a create whose outcome was lost is found, not
//! made twice (through the external-ID upsert, or a lookup by the duplicate key); a record
//! another writer holds waits; many writers racing on one new record make one record.

use super::writer::{CrashingBindings, Stores, World, ZHANG, jing_lead};
use crate::fakes::FixedClock;
use crate::ports::*;
use crate::write::{Deps, Outcome, apply};
use domain::{ErrorCode, JingId, ObjectKind};
use std::sync::atomic::AtomicBool;
use time::Duration;

/// ZHANG without an e-mail: Salesforce's duplicate rules cannot catch a second create.
const NO_EMAIL: &[(&str, &str)] = &[
    ("name", "李四"),
    ("company_id", "径硕科技"),
    ("mobile", "13900139000"),
];

fn crashing(w: &World) -> CrashingBindings {
    CrashingBindings {
        inner: w.f.bindings.clone(),
        crash_next_put: AtomicBool::new(true),
    }
}

fn lead(id: &str) -> JingId {
    JingId::parse(id).unwrap()
}

pub async fn with_an_external_id_a_create_whose_outcome_was_lost_is_not_made_twice(stores: Stores) {
    let mut w = World::new(stores);
    if let Some(o) = w.settings.objects.get_mut(&ObjectKind::Lead) {
        o.sf_external_id = Some("Jing_Id__c".into());
    }
    let bindings = crashing(&w);
    let deps = Deps {
        bindings: &bindings,
        ..w.deps()
    };
    let r = apply(&deps, &w.settings, vec![jing_lead("L7", 1, NO_EMAIL)]).await;
    assert!(
        matches!(r.outcomes[0], Outcome::Retry(_)),
        "{:?}",
        r.outcomes
    );
    assert_eq!(w.sf.count("Lead"), 1, "written before the crash");
    let r = apply(&deps, &w.settings, vec![jing_lead("L7", 1, NO_EMAIL)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(
        w.sf.count("Lead"),
        1,
        "the upsert matched the first attempt's record"
    );
    let b = w
        .binding_of_jing(ObjectKind::Lead, &lead("L7"))
        .await
        .unwrap();
    let record = w.sf.record(&b.sf_id).unwrap();
    assert_eq!(
        record
            .get("Jing_Id__c")
            .and_then(domain::Value::as_text)
            .as_deref(),
        Some("L7"),
        "the JING id is on the Salesforce record"
    );
}

pub async fn without_an_external_id_a_lost_create_is_looked_up_before_creating(stores: Stores) {
    let w = World::new(stores);
    // No blocking duplicate rule would catch the second create: only the lookup can.
    w.sf.without_duplicate_rules();
    let bindings = crashing(&w);
    let deps = Deps {
        bindings: &bindings,
        ..w.deps()
    };
    let r = apply(&deps, &w.settings, vec![jing_lead("L8", 1, ZHANG)]).await;
    assert!(matches!(r.outcomes[0], Outcome::Retry(_)));
    let calls_before = w.sf.calls_made();
    let r = apply(&deps, &w.settings, vec![jing_lead("L8", 1, ZHANG)]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(r.counts.bound_existing, 1, "found by its e-mail and bound");
    assert_eq!(w.sf.count("Lead"), 1, "no second lead");
    assert!(
        w.sf.calls_made() - calls_before <= 3,
        "a describe, one lookup and one update at most"
    );
}

pub async fn a_record_another_writer_holds_waits_for_it(stores: Stores) {
    let w = World::new(stores);
    let now = w.f.clock.now();
    let key = "lead#jing#L9".to_owned();
    let held =
        w.f.claims
            .claim_records(
                &w.settings.app,
                std::slice::from_ref(&key),
                now,
                now + Duration::minutes(2),
            )
            .await
            .unwrap();
    assert_eq!(held, vec![ClaimState::Fresh], "the other writer's claim");
    let r = w.apply(vec![jing_lead("L9", 1, ZHANG)]).await;
    match &r.outcomes[0] {
        Outcome::Retry(e) => assert_eq!(e.code, ErrorCode::RecordBusy),
        other => panic!("expected a retry, got {other:?}"),
    }
    assert_eq!(
        w.sf.count("Lead"),
        0,
        "nothing written while another writer holds it"
    );
    w.f.clock
        .set(FixedClock::DEFAULT_START + Duration::minutes(3));
    let r = w.apply(vec![jing_lead("L9", 1, ZHANG)]).await;
    assert_eq!(
        r.outcomes,
        vec![Outcome::Applied],
        "the dead writer's lease ended"
    );
    assert_eq!(w.sf.count("Lead"), 1);
}

/// Gives the other futures a turn once (a store round trip takes time on a real backend).
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Bindings that take a turn before every call, so racing writers interleave.
struct SlowBindings(std::sync::Arc<dyn BindingStore>);

#[async_trait::async_trait]
impl BindingStore for SlowBindings {
    async fn by_sf(
        &self,
        app: &domain::AppId,
        o: ObjectKind,
        id: &domain::SfId,
    ) -> StoreResult<Option<Binding>> {
        YieldOnce(false).await;
        self.0.by_sf(app, o, id).await
    }
    async fn by_jing(
        &self,
        app: &domain::AppId,
        o: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        YieldOnce(false).await;
        self.0.by_jing(app, o, id).await
    }
    async fn put(&self, b: &Binding, expected: Option<u64>) -> StoreResult<()> {
        YieldOnce(false).await;
        self.0.put(b, expected).await
    }
    async fn remove(
        &self,
        app: &domain::AppId,
        o: ObjectKind,
        id: &domain::SfId,
    ) -> StoreResult<()> {
        self.0.remove(app, o, id).await
    }
    async fn count(&self, app: &domain::AppId, o: ObjectKind) -> StoreResult<u64> {
        self.0.count(app, o).await
    }
    async fn list(
        &self,
        app: &domain::AppId,
        o: ObjectKind,
        after: Option<&domain::SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        self.0.list(app, o, after, limit).await
    }
}

pub async fn twenty_writers_racing_on_one_new_lead_make_one_lead(stores: Stores) {
    let w = World::new(stores);
    let slow = SlowBindings(w.f.bindings.clone());
    let deps = Deps {
        bindings: &slow,
        ..w.deps()
    };
    let racers: Vec<_> = (0..20)
        .map(|_| {
            Box::pin(apply(
                &deps,
                &w.settings,
                vec![jing_lead("L10", 1, NO_EMAIL)],
            )) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send + '_>>
        })
        .collect();
    let reports: Vec<crate::write::ApplyReport> = super::join_all(racers).await;
    let applied = reports
        .iter()
        .filter(|r| r.outcomes[0] == Outcome::Applied)
        .count();
    assert!(applied >= 1, "one of them wrote it");
    assert_eq!(w.sf.count("Lead"), 1, "exactly one Salesforce lead");
    // The ones told to wait come back and find the binding: an echo, nothing more.
    let r = w.apply(vec![jing_lead("L10", 1, NO_EMAIL)]).await;
    assert!(matches!(r.outcomes[0], Outcome::Skipped | Outcome::Applied));
    assert_eq!(w.sf.count("Lead"), 1);
}
