//! The org's remaining API calls cap the app's allocation: a client with the connector's
//! `QuotaBudget`, against a simulated org close to its DailyApiRequests limit, is refused by
//! the budget once its share is spent; the writer parks the rest (nothing lost) and the status
//! figures show the org's usage.

mod sim_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::fake_remote::FakeJing;
use app::fakes::{
    Fakes, FixedClock, MemCursorStore, MemParkedStore, MemQuotaStore, MemSettingsStore,
};
use app::ports::{Clock, ParkedStore, QuotaStore, SettingsStore};
use app::quota_reset::{QuotaDeps, usage_today};
use app::settings::{AppSettings, Environment};
use app::write::{Deps, apply};
use domain::datetime::JING_OFFSET;
use domain::quota::{OrgUsage, quota_day};
use domain::{
    Actor, AppId, Change, FieldChange, JingId, Lane, ObjectKind, Operation, RecordRef, Value,
};
use jingsf_salesforce as salesforce;
use salesforce::SfClient;
use salesforce::port_wiring::{BudgetStores, QuotaBudget};
use sim_support::*;
use time::OffsetDateTime;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

fn jing_lead(i: usize, at: OffsetDateTime) -> Change {
    let fields: BTreeMap<String, FieldChange> = [
        ("name", format!("客户{i:02}")),
        ("company_id", "径硕科技".to_owned()),
        ("mobile", format!("1380013{i:04}")),
        ("email", format!("lead{i:02}@example.cn")),
    ]
    .into_iter()
    .map(|(k, v)| {
        let change = FieldChange {
            before: None,
            after: Value::text(v),
        };
        (k.to_owned(), change)
    })
    .collect();
    Change {
        v: 1,
        app: app_id(),
        object: ObjectKind::Lead,
        record: RecordRef::Jing(JingId::parse(&format!("L{i}")).unwrap()),
        op: Operation::Upsert,
        source_time: at,
        actor: Actor::Human(None),
        lane: Lane::Live,
        fields,
    }
}

struct Stores {
    f: Fakes,
    clock: FixedClock,
    quota: Arc<MemQuotaStore>,
    cursors: Arc<MemCursorStore>,
    settings: Arc<MemSettingsStore>,
    parked: Arc<MemParkedStore>,
}

#[tokio::test]
async fn the_org_share_refuses_calls_the_writer_parks_and_status_shows_the_org() {
    let c = connect().await;
    let clock = FixedClock::new(OffsetDateTime::now_utc());
    let s = Stores {
        f: Fakes::new(),
        clock: clock.clone(),
        quota: Arc::new(MemQuotaStore::default()),
        cursors: Arc::new(MemCursorStore::default()),
        settings: Arc::new(MemSettingsStore::default()),
        parked: Arc::new(MemParkedStore::default()),
    };
    let settings = AppSettings {
        revision: 1,
        ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
    };
    s.settings.put(&settings).await.unwrap();
    assert_eq!(settings.allocation.max_org_share_pct, 50);
    let budget = QuotaBudget::new(
        BudgetStores {
            quota: s.quota.clone(),
            cursors: s.cursors.clone(),
            settings: s.settings.clone(),
            clock: Arc::new(clock.clone()),
        },
        &settings,
    );
    let client = SfClient::builder(oauth(&c.sim, &c.cfg), c.tokens.clone())
        .options(fast())
        .budget(Arc::new(budget))
        .build();
    // The org has 60 calls left today (of its own DailyApiRequests): 30 may be ours.
    let org_max = c.sim.api_usage().used + 60;
    c.sim.set_daily_limit(org_max);
    let org_before = c.sim.calls().total;

    let jing = FakeJing::new();
    let deps = Deps {
        bindings: &s.f.bindings,
        errors: &s.f.errors,
        synced: &s.f.sync_log,
        ledger: &s.f.ledger,
        decisions: &s.f.decisions,
        quota: s.quota.as_ref(),
        parked: s.parked.as_ref(),
        claims: &s.f.claims,
        settings: s.settings.as_ref(),
        sf: &client,
        jing: &jing,
        clock: &s.clock,
        staging: None,
    };
    let (mut created, mut parked) = (0, 0);
    for i in 0..40 {
        let r = apply(&deps, &settings, vec![jing_lead(i, clock.now())]).await;
        created += r.counts.created;
        parked += r.counts.parked;
        assert_eq!(r.counts.failed, 0, "{:?}", r.outcomes);
    }
    println!("org share reached: {created} leads created, {parked} parked");
    assert!(
        created > 0 && parked > 0,
        "created {created}, parked {parked}"
    );
    assert_eq!(created + parked, 40, "every change written or parked");
    assert_eq!(s.parked.count(&app_id()).await.unwrap(), parked);
    assert_eq!(c.sim.count("Lead") as u64, created);

    // Our calls stopped at our share; the other half is still the org's.
    let day = quota_day(clock.now(), JING_OFFSET);
    let ours = s.quota.used(&app_id(), day).await.unwrap();
    assert_eq!(ours, 30);
    assert_eq!(
        c.sim.calls().total - org_before,
        ours,
        "every call reserved first"
    );
    assert_eq!(c.sim.api_usage().max - c.sim.api_usage().used, 30);

    // The status page's figures: the org's usage, and the allocation it caps.
    let qdeps = QuotaDeps {
        quota: s.quota.as_ref(),
        parked: s.parked.as_ref(),
        queue: &s.f.queue,
        settings: s.settings.as_ref(),
        cursors: s.cursors.as_ref(),
    };
    let u = usage_today(&qdeps, &settings, clock.now()).await.unwrap();
    assert_eq!(
        u.org,
        Some(OrgUsage {
            used: org_max - 30,
            max: org_max
        })
    );
    assert_eq!((u.used, u.allocated, u.parked), (30, 30, parked));
    assert_eq!(u.pct, 100.0);
}
