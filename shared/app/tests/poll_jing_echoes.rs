//! Echoes through the JING safety net, on fakes with the real writer: whatever the connector
//! itself wrote into JING (creates, updates) comes back in the change list, and an idle round
//! trip — both pollers, then the writer — costs zero Salesforce calls and zero JING calls
//! beyond the listing. A person's JING edit folded into a record we saved last still flows.

use app::capture::{poll, poll_jing};
use app::fake_remote::{FakeJing, FakeSalesforce};
use app::fakes::{Fakes, FixedClock};
use app::ports::*;
use app::settings::{AppSettings, Environment};
use app::write::{ApplyReport, apply};
use domain::{AppId, ObjectKind, Value};
use jingsf_app as app;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};

const T: OffsetDateTime = FixedClock::DEFAULT_START;

struct World {
    f: Fakes,
    ports: Ports,
    sf: Arc<FakeSalesforce>,
    jing: Arc<FakeJing>,
    settings: AppSettings,
}

impl World {
    async fn new() -> Self {
        let f = Fakes::new();
        let settings = AppSettings {
            revision: 1,
            ..AppSettings::new(
                AppId::parse("acme").unwrap(),
                "Acme",
                Environment::Production,
                "jing-app",
                "59",
            )
        };
        f.settings.put(&settings).await.unwrap();
        let w = Self {
            ports: f.ports(),
            f,
            sf: Arc::new(FakeSalesforce::new()),
            jing: Arc::new(FakeJing::new()),
            settings,
        };
        w.at(0);
        w.poll_both().await; // the cursors start now
        w
    }

    /// Every clock (ours and both fakes' stamps) at `T + minutes`.
    fn at(&self, minutes: i64) {
        let now = T + Duration::minutes(minutes);
        self.f.clock.set(now);
        self.sf.set_now(now);
        self.jing.set_now(now);
    }

    /// The scheduled run's two safety nets; returns the JING changes queued.
    async fn poll_both(&self) -> app::capture::JingPollReport {
        let clients = self.clients();
        poll(&self.ports.poll_deps(&clients), &self.settings)
            .await
            .unwrap();
        poll_jing(&self.ports.jing_poll_deps(&clients), &self.settings)
            .await
            .unwrap()
    }

    fn clients(&self) -> AppClients {
        AppClients {
            sf: self.sf.clone(),
            jing: self.jing.clone(),
        }
    }

    /// Everything queued through the writer.
    async fn drain(&self) -> ApplyReport {
        let got = self
            .f
            .queue
            .receive(10_000, StdDuration::from_secs(60))
            .await
            .unwrap();
        let receipts: Vec<String> = got.iter().map(|d| d.receipt.clone()).collect();
        self.f.queue.ack(&receipts).await.unwrap();
        let changes = got.into_iter().map(|d| d.change).collect();
        let clients = self.clients();
        apply(&self.ports.writer_deps(&clients), &self.settings, changes).await
    }

    async fn jing_of(&self, sf: &domain::SfId) -> domain::JingId {
        let b = self
            .f
            .bindings
            .by_sf(&self.settings.app, ObjectKind::Lead, sf);
        b.await.unwrap().expect("bound").jing_id
    }
}

fn text(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::text(*v)))
        .collect()
}

#[tokio::test]
async fn an_idle_round_trip_through_both_pollers_costs_no_call() {
    let w = World::new().await;
    // A person creates a lead in Salesforce; the poller brings it over and we create it in JING.
    w.at(1);
    let sf_id = w.sf.insert(
        "Lead",
        text(&[
            ("LastName", "回声"),
            ("Company", "径硕"),
            ("Email", "echo@acme.example"),
        ]),
    );
    w.at(30);
    w.poll_both().await;
    let created = w.drain().await;
    assert_eq!(created.counts.created, 1, "{:?}", created.outcomes);
    let jing_id = w.jing_of(&sf_id).await;
    // A person edits it in Salesforce; we update JING.
    w.at(31);
    w.sf.human_update(&sf_id, text(&[("Company", "径硕科技")]));
    w.at(60);
    w.poll_both().await;
    w.drain().await;
    assert_eq!(
        w.jing.record(&jing_id).unwrap()["company_id"],
        Value::text("径硕科技")
    );
    // Idle from here: the JING listing brings our create and update back as snapshots.
    let (sf_calls, jing_calls) = (w.sf.calls_made(), w.jing.calls());
    w.at(90);
    let listed = w.poll_both().await;
    assert!(listed.own_writes >= 1, "our write came back: {listed:?}");
    let read = w.jing.calls() - jing_calls;
    let sf_polled = w.sf.calls_made() - sf_calls;
    let echoes = w.drain().await;
    assert!(
        echoes
            .outcomes
            .iter()
            .all(|o| *o == app::write::Outcome::Skipped)
    );
    assert_eq!(
        w.sf.calls_made() - sf_calls,
        sf_polled,
        "no Salesforce call for an echo"
    );
    assert_eq!(
        w.jing.calls() - jing_calls,
        read,
        "no JING call for an echo"
    );
    // And the next idle run lists nothing new at all.
    w.at(120);
    let again = w.poll_both().await;
    assert_eq!(again.enqueued, 0, "{again:?}");
}

#[tokio::test]
async fn a_person_s_edit_folded_into_our_save_still_flows() {
    let w = World::new().await;
    w.at(1);
    let sf_id = w.sf.insert(
        "Lead",
        text(&[
            ("LastName", "折叠"),
            ("Company", "径硕"),
            ("Email", "fold@acme.example"),
        ]),
    );
    w.at(30);
    w.poll_both().await;
    w.drain().await;
    let jing_id = w.jing_of(&sf_id).await;
    // In JING a person sets the title (its webhook is lost); then we save the record again
    // for a Salesforce edit: JING lists the record with us as the last operator.
    w.at(31);
    w.jing.human_update(&jing_id, text(&[("title", "总监")]));
    w.at(32);
    w.sf.human_update(&sf_id, text(&[("Company", "径硕科技")]));
    w.at(60);
    let clients = w.clients();
    poll(&w.ports.poll_deps(&clients), &w.settings)
        .await
        .unwrap();
    w.drain().await;
    w.at(90);
    let sf_calls = w.sf.calls_made();
    let listed = w.poll_both().await;
    assert_eq!(listed.own_writes, 1, "{listed:?}");
    let polled = w.sf.calls_made() - sf_calls;
    let r = w.drain().await;
    assert_eq!(r.counts.updated, 1, "{:?}", r.outcomes);
    assert_eq!(w.sf.record(&sf_id).unwrap()["Title"], Value::text("总监"));
    assert_eq!(
        w.sf.calls_made() - sf_calls - polled,
        1,
        "one update, the title only"
    );
}
