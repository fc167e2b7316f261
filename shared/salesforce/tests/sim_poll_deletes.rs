//! The poller's delete paths through the real client against the simulated org: queryAll for a
//! recent cursor, getDeleted for an old one, and reconciliation when the recycle bin was
//! emptied. Counts the API calls each path costs.

mod sim_support;

use std::time::{Duration, Instant};

use app::capture::{PollDeps, PollReport, poll};
use app::fakes::Fakes;
use app::ports::{
    Binding, BindingStore, ChangeQueue, Clock, CursorStore, PollCursor, SettingsStore,
};
use app::settings::{AppSettings, Environment};
use domain::{AppId, JingId, ObjectKind, Operation, RecordRef, SfId};
use jingsf_salesforce as salesforce;
use salesforce::{SfClient, WriteOptions};
use sim_support::*;
use std::collections::BTreeSet;
use time::OffsetDateTime;

fn app_id() -> AppId {
    AppId::parse("acme").unwrap()
}

struct Poller {
    f: Fakes,
    settings: AppSettings,
    /// How far the org's clock was moved ahead of the wall clock.
    ahead: Duration,
}

impl Poller {
    async fn new() -> Self {
        let f = Fakes::new();
        let settings = AppSettings {
            revision: 1,
            ..AppSettings::new(app_id(), "Acme", Environment::Production, "jing", "59")
        };
        f.settings.put(&settings).await.unwrap();
        Self {
            f,
            settings,
            ahead: Duration::ZERO,
        }
    }

    /// Both clocks jump ahead (the poller was not running meanwhile).
    fn sleep_days(&mut self, c: &Connected, days: u64) {
        let by = Duration::from_secs(days * 86_400);
        c.sim.advance_clock(by);
        self.ahead += by;
    }

    async fn run(&self, client: &SfClient) -> PollReport {
        self.f.clock.set(OffsetDateTime::now_utc() + self.ahead);
        let deps = PollDeps {
            sf: client,
            queue: &self.f.queue,
            cursors: &self.f.cursors,
            seen: &self.f.idempotency,
            bindings: &self.f.bindings,
            clock: &self.f.clock,
        };
        poll(&deps, &self.settings).await.unwrap()
    }

    async fn bind(&self, ids: &[SfId]) {
        for (i, id) in ids.iter().enumerate() {
            let jing = JingId::parse(&format!("j{i}")).unwrap();
            let b = Binding::new(
                app_id(),
                ObjectKind::Lead,
                id.clone(),
                jing,
                self.f.clock.now(),
            );
            self.f.bindings.put(&b, None).await.unwrap();
        }
    }

    async fn delete_cursor(&self) -> OffsetDateTime {
        let raw = self
            .f
            .cursors
            .get(&app_id(), "poll-deleted:Lead")
            .await
            .unwrap()
            .unwrap();
        serde_json::from_str::<PollCursor>(&raw).unwrap().modstamp
    }

    async fn queued_deletes(&self) -> BTreeSet<SfId> {
        let got = self
            .f
            .queue
            .receive(100_000, Duration::from_secs(60))
            .await
            .unwrap();
        let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
        self.f.queue.ack(&receipts).await.unwrap();
        got.into_iter()
            .filter(|d| d.change.op == Operation::Delete)
            .filter_map(|d| match d.change.record {
                RecordRef::Salesforce(id) => Some(id),
                RecordRef::Jing(_) => None,
            })
            .collect()
    }
}

async fn create_leads(client: &SfClient, n: usize, tag: &str) -> Vec<SfId> {
    let records: Vec<_> = (0..n)
        .map(|i| lead(&format!("{tag}{i:04}"), "Acme"))
        .collect();
    let results = client
        .create("Lead", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert!(results.iter().all(|r| r.success));
    results.into_iter().map(|r| r.id.unwrap()).collect()
}

async fn human_delete(c: &Connected, id: &SfId) {
    c.sim.human().delete("Lead", id).unwrap();
}

#[tokio::test]
async fn old_cursors_use_get_deleted_and_an_emptied_recycle_bin_is_reconciled() {
    let c = connect().await;
    let mut p = Poller::new().await;
    let ids = create_leads(&c.client, 4, "Del").await;
    p.bind(&ids[..3]).await; // lead 3 stays unbound
    p.run(&c.client).await; // places the cursors

    // Recent cursor: every object's changes (deletes included, queryAll) in one composite call.
    human_delete(&c, &ids[0]).await;
    let before = c.sim.calls();
    let t = Instant::now();
    let r = p.run(&c.client).await;
    println!(
        "queryAll path (recent cursor): {} ms",
        t.elapsed().as_millis()
    );
    let after = c.sim.calls();
    assert_eq!(r.deletes, 1, "{r:?}");
    assert_eq!(after.kind("composite") - before.kind("composite"), 1);
    assert_eq!(after.total - before.total, 1, "one call for the whole poll");
    assert_eq!(after.kind("get_deleted"), before.kind("get_deleted"));
    assert_eq!(p.queued_deletes().await, BTreeSet::from([ids[0].clone()]));

    // Two days without polling: getDeleted (one call per object whatever the window).
    human_delete(&c, &ids[3]).await;
    p.sleep_days(&c, 2);
    let before = c.sim.calls();
    let t = Instant::now();
    let r = p.run(&c.client).await;
    println!(
        "getDeleted path (2-day-old cursor): {} ms",
        t.elapsed().as_millis()
    );
    let after = c.sim.calls();
    assert_eq!((r.deletes, r.reconciled), (1, 0), "{r:?}");
    assert_eq!(after.kind("get_deleted") - before.kind("get_deleted"), 2);
    assert_eq!(after.kind("composite") - before.kind("composite"), 1);
    assert_eq!(p.queued_deletes().await, BTreeSet::from([ids[3].clone()]));
    assert_eq!(
        p.delete_cursor().await.second(),
        0,
        "latestDateCovered is a whole minute"
    );

    // The recycle bin is emptied after a bound lead's delete; two more days pass.
    human_delete(&c, &ids[1]).await;
    c.sim.empty_recycle_bin();
    p.sleep_days(&c, 2);
    let before = c.sim.calls();
    let t = Instant::now();
    let r = p.run(&c.client).await;
    println!(
        "getDeleted + reconciliation (3 bindings): {} ms",
        t.elapsed().as_millis()
    );
    let after = c.sim.calls();
    assert_eq!((r.deletes, r.reconciled), (0, 1), "{r:?}");
    // Lead 0's binding is still there (no writer ran) but its delete was queued already.
    assert_eq!(p.queued_deletes().await, BTreeSet::from([ids[1].clone()]));
    assert_eq!(
        after.kind("query") - before.kind("query"),
        1,
        "one existence check for three bindings (the changes travel in the composite)"
    );
}

#[tokio::test]
async fn reconciling_a_thousand_bindings_costs_three_queries() {
    let c = connect().await;
    let mut p = Poller::new().await;
    let ids = create_leads(&c.client, 1000, "Many").await;
    p.bind(&ids).await;
    p.run(&c.client).await;
    for id in &ids[..10] {
        human_delete(&c, id).await;
    }
    c.sim.empty_recycle_bin();
    p.sleep_days(&c, 2);
    let before = c.sim.calls();
    let t = Instant::now();
    let r = p.run(&c.client).await;
    let ms = t.elapsed().as_millis();
    let after = c.sim.calls();
    assert_eq!(r.reconciled, 10, "{r:?}");
    assert_eq!(
        p.queued_deletes().await,
        ids[..10].iter().cloned().collect::<BTreeSet<_>>()
    );
    let checks = after.kind("query") - before.kind("query");
    assert_eq!(checks, 3, "1,000 bound ids in URL-sized IN lists");
    println!(
        "reconciled 1000 bindings: {checks} existence queries, {} calls in all, {ms} ms",
        after.total - before.total
    );
}

#[tokio::test]
async fn a_poller_down_for_twenty_days_is_not_refused_and_reconciles() {
    let c = connect().await;
    let mut p = Poller::new().await;
    let ids = create_leads(&c.client, 3, "Long").await;
    p.bind(&ids).await;
    p.run(&c.client).await;
    human_delete(&c, &ids[2]).await;
    p.sleep_days(&c, 20);
    // Asking getDeleted for 20 days back would be INVALID_REPLICATION_DATE: the poller asks
    // for the last 15 and learns from earliestDateAvailable that older deletes are lost.
    let r = p.run(&c.client).await;
    assert_eq!((r.deletes, r.reconciled), (0, 1), "{r:?}");
    assert_eq!(p.queued_deletes().await, BTreeSet::from([ids[2].clone()]));
}
