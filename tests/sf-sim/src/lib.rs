//! `sf-sim`: a strict, in-memory Salesforce org for tests (OAuth login host + instance on one
//! 127.0.0.1 server). Shapes, codes and traps follow `shared/reference/salesforce-api.md`.
//!
//! # Public Rust API
//!
//! ```no_run
//! # async fn demo() -> Result<(), sf_sim::SimError> {
//! use sf_sim::{SfSim, SimConfig, Fault, OutboundConfig};
//! use serde_json::json;
//! let sim = SfSim::start(SimConfig::default()).await?;      // binds 127.0.0.1:0
//! let base = sim.base_url();                                // "http://127.0.0.1:PORT" = login host = instance_url
//! let token = sim.access_token();                           // integration-user session, no browser dance
//! let lead = sim.human().create("Lead", json!({"LastName": "Ng", "Company": "Acme"}))?; // as a person in the UI
//! sim.human().update("Lead", &lead, json!({"Email": "ng@acme.example"}))?;
//! let converted = sim.convert_lead(&lead)?;                 // Account + Contact + Opportunity
//! let row = sim.record("Lead", &lead);                      // Option<serde_json::Value>, REST shape
//! let n = sim.count("Lead");                                // live (not deleted) rows
//! let calls = sim.calls();                                  // CallCounts { total, by_kind }, e.g. calls.kind("query_more")
//! let usage = sim.api_usage();                              // ApiUsage { used, max }
//! sim.faults().fail_next(2, Fault::ServiceUnavailable);     // next 2 requests: 503
//! sim.faults().lock_rows(1);                                // next API record write: UNABLE_TO_LOCK_ROW
//! sim.faults().latency(std::time::Duration::from_millis(50));
//! sim.faults().lose_outbound(1);                            // next outbound notification never arrives
//! sim.expire_tokens();                                      // every access token → 401 INVALID_SESSION_ID
//! sim.set_daily_limit(100); sim.reset_usage();
//! let user = sim.add_user("Li", "Lei", "li.lei@acme.example", Some("+86 138 0000 0000"));
//! sim.touch_system_modstamp("Lead", &lead)?;                // system-only change
//! sim.advance_clock(std::time::Duration::from_secs(120));
//! let acked = sim.deliver_outbound().await;                 // flush outbound SOAP messages now
//! # Ok(()) }
//! ```
//!
//! Endpoints: `/services/oauth2/{authorize,token,revoke,userinfo}`, `/id/{org}/{user}`,
//! `/services/data/` and below `/services/data/vNN.N/` (31.0 ≤ NN ≤ 68): `sobjects[/…]` (CRUD,
//! describe, `updated/`, `deleted/`, upsert by external id `Jing_Id__c`), `composite`,
//! `composite/batch` (each subrequest counts), `composite/sobjects` (+ `/{Type}/{ExtField}`
//! upsert), `query`, `queryAll`, `query/{locator}-{offset}`, `limits`,
//! `jobs/query[/{id}[/results]]`, `jobs/ingest[/{id}[/batches|/successfulResults/|/failedResults/|
//! /unprocessedrecords/]]`. Call kinds for [`CallCounts`]: see [`limits::classify`]
//! (`query`, `query_more`, `query_all`, `collections_create`, … plus the uncounted
//! `oauth_token`, `oauth_authorize`, `oauth_revoke`, `identity`, `versions`).
//!
//! Control endpoints for a simulator run as its own process (`sf-sim` binary; not Salesforce's
//! API, never counted): `POST /_sim/seed {"object","count","start"}` creates generated records as
//! the human user, `GET /_sim/count?object=&field=&value=`, `GET /_sim/find?object=&field=&value=`
//! (indexed), `GET /_sim/calls`.
//!
//! Org setup: users "Integration User" (the API user) and "Hannah Human"; a lead queue
//! ([`SfSim::lead_queue_id`]); custom Lead fields `Jing_Id__c` (external id, not unique),
//! `Region__c` (restricted picklist), `Country__c` → `Province__c` (dependent picklist),
//! `Notes__c` (long text: with `Description` it caps query pages at 200);
//! `Account.Jing_Id__c` (unique external id).

mod bulk;
mod clock;
mod collections;
mod collections_upsert;
mod composite;
mod composite_batch;
mod config;
mod control;
mod describe;
mod dml;
mod duplicates;
mod errors;
mod faults;
mod gate;
mod human;
mod idgen;
mod ingest;
mod ingest_results;
mod ingest_run;
mod ingest_spec;
pub mod limits;
mod limits_endpoint;
mod oauth;
mod outbound;
mod query;
mod records;
mod replication;
mod rest;
pub mod schema;
pub mod seed;
mod server;
mod soap;
pub mod soql;
mod state;
mod store;
mod table;
mod validate;

pub use config::{OutboundConfig, SimConfig};
pub use errors::DmlError;
pub use faults::Fault;
pub use human::{Converted, Human, SimError};
pub use limits::CallCounts;
pub use outbound::OutboundStats;

use domain::ids::SfId;
use serde_json::Value;
use state::{Org, Shared};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Allocation figures as `Sforce-Limit-Info` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

/// A running simulated org. Dropping it stops the server.
pub struct SfSim {
    shared: Shared,
    base_url: String,
    client: reqwest::Client,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The background outbound sender, once a definition asks for one.
    sender: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SfSim {
    /// Start on 127.0.0.1 with an OS-chosen port.
    pub async fn start(cfg: SimConfig) -> Result<SfSim, SimError> {
        Self::start_on(cfg, 0).await
    }

    /// Start on 127.0.0.1:`port` (0 = any).
    pub async fn start_on(cfg: SimConfig, port: u16) -> Result<SfSim, SimError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let background = cfg.outbound.as_ref().is_some_and(|o| o.background);
        let shared = Shared(Arc::new(Mutex::new(Org::new(cfg, base_url.clone()))));
        let app = server::router(shared.clone());
        // Small writes must not wait for delayed ACKs (Nagle), or every large page costs ~40 ms.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let mut tasks = vec![tokio::spawn(async move {
            // Serving ends only with the process or when the task is aborted on drop.
            let _ = axum::serve(listener, app).await;
        })];
        let client = reqwest::Client::new();
        if background {
            tasks.push(outbound::spawn_sender(shared.clone(), client.clone()));
        }
        Ok(SfSim {
            shared,
            base_url,
            client,
            tasks,
            sender: Mutex::new(None),
        })
    }

    /// `http://127.0.0.1:PORT` — login host, `instance_url` and identity host at once.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    pub fn org_id(&self) -> SfId {
        self.shared.lock().org_id.clone()
    }
    pub fn integration_user_id(&self) -> SfId {
        self.shared.lock().integration_user.clone()
    }
    pub fn human_user_id(&self) -> SfId {
        self.shared.lock().human_user.clone()
    }
    /// The queue (`00G…`) a lead assignment rule can target.
    pub fn lead_queue_id(&self) -> SfId {
        self.shared.lock().lead_queue.clone()
    }
    /// A fresh access token of the integration user, as if OAuth had run.
    pub fn access_token(&self) -> String {
        let mut org = self.shared.lock();
        let (org_id, user, now) = (
            org.org_id.clone(),
            org.integration_user.clone(),
            org.clock.now(),
        );
        org.oauth.mint_access(&org_id, &user, now, None)
    }
    /// UI-style writes by the human user.
    pub fn human(&self) -> Human<'_> {
        Human { sim: &self.shared }
    }
    pub fn convert_lead(&self, id: &SfId) -> Result<Converted, SimError> {
        human::convert_lead(&mut self.shared.lock(), id)
    }
    /// A record (live or deleted) in REST shape, all fields.
    pub fn record(&self, object: &str, id: &SfId) -> Option<Value> {
        let obj = schema::object(object)?;
        let org = self.shared.lock();
        org.store
            .get(obj.name, id)
            .map(|r| records::render(r, obj, "v62.0", None))
    }
    /// The ids of live records whose `field` equals `value` (what an admin's list view finds).
    pub fn find(&self, object: &str, field: &str, value: &str) -> Vec<SfId> {
        let Some(obj) = schema::object(object) else {
            return Vec::new();
        };
        let org = self.shared.lock();
        org.store
            .table(obj.name)
            .filter(|r| !r.is_deleted() && r.text(field) == Some(value))
            .filter_map(|r| SfId::parse(r.text("Id")?).ok())
            .collect()
    }
    /// Live (not deleted) records of an object.
    pub fn count(&self, object: &str) -> usize {
        schema::object(object).map_or(0, |o| self.shared.lock().store.live_count(o.name))
    }
    pub fn calls(&self) -> CallCounts {
        self.shared.lock().usage.calls.clone()
    }
    /// Rows written since the org started (every insert, change and erase, by anyone).
    pub fn row_writes(&self) -> u64 {
        self.shared.lock().store.row_writes
    }
    pub fn api_usage(&self) -> ApiUsage {
        let org = self.shared.lock();
        ApiUsage {
            used: org.usage.used,
            max: org.usage.max,
        }
    }
    pub fn faults(&self) -> FaultControl<'_> {
        FaultControl { sim: &self.shared }
    }
    /// Every access token dies now (refresh tokens stay valid).
    pub fn expire_tokens(&self) {
        self.shared.lock().oauth.expire_all();
    }
    pub fn set_daily_limit(&self, max: u64) {
        self.shared.lock().usage.max = max;
    }
    /// The daily window rolled over: usage and call counters back to zero.
    pub fn reset_usage(&self) {
        self.shared.lock().usage.reset();
    }
    pub fn add_user(&self, first: &str, last: &str, email: &str, mobile: Option<&str>) -> SfId {
        self.shared.lock().add_user(first, last, email, mobile)
    }
    /// A system process touched the record: only SystemModstamp moves.
    pub fn touch_system_modstamp(&self, object: &str, id: &SfId) -> Result<(), SimError> {
        let obj = human::object(object)?;
        let mut org = self.shared.lock();
        let actor = org.integration_user.clone();
        dml::system_update(&mut org, obj, id, serde_json::Map::new(), &actor, false)
            .map_err(SimError::Rejected)
    }
    /// Move the org's clock forward (audit fields, token and code expiry, replication windows).
    pub fn advance_clock(&self, by: Duration) {
        let mut org = self.shared.lock();
        org.clock.advance(by);
        // Days pass: rows 15 days in the recycle bin are erased, as Salesforce does.
        let now = org.clock.now();
        org.store.expire_recycle_bin(now);
    }
    /// Empty the recycle bin: deleted rows disappear from queryAll and getDeleted.
    pub fn empty_recycle_bin(&self) {
        let mut org = self.shared.lock();
        let now = org.clock.now();
        org.store.purge_deleted(now);
    }
    /// Replace the outbound-message definition (None removes it).
    /// Define (or remove) the outbound messages. A background definition is sent by the org on
    /// its own from then on, as a real org does once the workflow is active.
    pub fn set_outbound(&self, cfg: Option<OutboundConfig>) {
        let background = cfg.as_ref().is_some_and(|o| o.background);
        self.shared.lock().cfg.outbound = cfg;
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        if background && sender.is_none() && self.tasks.len() == 1 {
            *sender = Some(outbound::spawn_sender(
                self.shared.clone(),
                self.client.clone(),
            ));
        }
    }
    /// Try every pending outbound notification now; returns how many were acknowledged.
    pub async fn deliver_outbound(&self) -> usize {
        outbound::deliver(&self.shared, &self.client, false).await
    }
    pub fn outbound_pending(&self) -> usize {
        self.shared.lock().outbound.pending_count()
    }
    pub fn outbound_stats(&self) -> OutboundStats {
        self.shared.lock().outbound.stats
    }
    /// Set or replace the active lead assignment rule's target.
    pub fn set_auto_assign_owner(&self, owner: Option<SfId>) {
        self.shared.lock().cfg.auto_assign_owner = owner;
    }
}

impl Drop for SfSim {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
        if let Some(sender) = self.sender.lock().unwrap_or_else(|p| p.into_inner()).take() {
            sender.abort();
        }
    }
}

/// Arms injected failures; see [`SfSim::faults`].
pub struct FaultControl<'a> {
    sim: &'a Shared,
}

impl FaultControl<'_> {
    /// The next `n` HTTP requests (any endpoint) fail with `fault`.
    pub fn fail_next(&self, n: u32, fault: Fault) {
        self.sim.lock().faults.arm(n, fault);
    }
    /// The next `n` record writes through the API fail with `UNABLE_TO_LOCK_ROW`.
    pub fn lock_rows(&self, n: u32) {
        self.sim.lock().faults.arm_locks(n);
    }
    /// The next `n` queued outbound notifications are silently lost (never delivered).
    pub fn lose_outbound(&self, n: u32) {
        self.sim.lock().outbound.lose_next += n;
    }
    /// Every Bulk query or ingest job still running ends `Failed` with this `errorMessage`.
    pub fn fail_bulk_jobs(&self, message: &str) {
        let mut org = self.sim.lock();
        bulk::fail_running(&mut org, message);
        ingest::fail_running(&mut org, message);
    }
    /// Salesforce purged every Bulk job (7 days after it ended): their ids answer 404.
    pub fn purge_bulk_jobs(&self) {
        let mut org = self.sim.lock();
        org.bulk.clear();
        org.ingest.clear();
    }
    /// Added to every request from now on.
    pub fn latency(&self, d: Duration) {
        self.sim.lock().faults.latency = d;
    }
    pub fn clear(&self) {
        self.sim.lock().faults.clear();
    }
}
