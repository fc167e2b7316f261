//! A strict in-memory JING tenant for tests and demos: the open API as our contract describes
//! it (`jing::contract`), with expiring and rotating tokens, duplicate rules, required and option
//! fields, paged change listing, invalidation, metadata, throttling, fault injection, call
//! counting and signed `object_v2` webhook delivery of human changes.

mod api;
mod api_employees;
pub mod clock;
pub mod config;
mod control;
mod employees;
mod http;
mod human;
pub mod schema;
pub mod seed;
mod state;
pub mod store;
mod tokens;
pub mod webhooks;

pub use clock::SimClock;
pub use config::{JingSimConfig, ThrottleAnswer, WebhookChaos, WebhookTarget};
pub use human::{Human, SimError};
pub use store::Record;
pub use webhooks::{DeliveryReport, Operator};

use domain::JingId;
use serde_json::Value as Json;
use state::{Inner, State};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// A running simulator; stops when dropped.
pub struct JingSim {
    inner: Arc<Inner>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl JingSim {
    /// Start on 127.0.0.1 with any free port.
    pub async fn start(cfg: JingSimConfig) -> std::io::Result<Self> {
        Self::start_on(cfg, 0).await
    }

    pub async fn start_on(cfg: JingSimConfig, port: u16) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new(cfg)),
            clock: SimClock::default(),
            http,
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = http::router(inner.clone()).merge(control::router(inner.clone()));
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "jing-sim server stopped");
            }
        });
        Ok(Self {
            inner,
            addr,
            shutdown: Some(tx),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Our default contract, pointed at this simulator.
    pub fn contract(&self) -> jing::JingContract {
        jing::JingContract::with_base_url(self.base_url())
    }

    pub fn clock(&self) -> SimClock {
        self.inner.clock.clone()
    }

    pub fn config(&self) -> JingSimConfig {
        self.inner.lock().cfg.clone()
    }

    /// Change configuration while running (throttle, webhook_api_changes, token TTL, ...).
    pub fn configure(&self, f: impl FnOnce(&mut JingSimConfig)) {
        f(&mut self.inner.lock().cfg);
    }

    pub fn record(&self, object: &str, id: &JingId) -> Option<Record> {
        self.inner.lock().store.get(object, id.as_str()).cloned()
    }

    /// Live records whose `field` equals `value` (what a JING admin's search finds).
    pub fn find(&self, object: &str, field: &str, value: &str) -> Vec<Record> {
        self.inner
            .lock()
            .store
            .records
            .values()
            .filter(|r| r.object == object && !r.invalid)
            .filter(|r| r.fields.get(field).and_then(Json::as_str) == Some(value))
            .cloned()
            .collect()
    }

    /// Live (not invalidated) records of an object.
    pub fn count(&self, object: &str) -> usize {
        self.inner
            .lock()
            .store
            .records
            .values()
            .filter(|r| r.object == object && !r.invalid)
            .count()
    }

    /// Calls received per kind (`token`, `object_batch_create`, ...).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner.lock().calls.clone()
    }

    pub fn total_calls(&self) -> u64 {
        self.inner.lock().calls.values().sum()
    }

    /// Write requests received (creates, updates, invalidations, employee creates), answered
    /// or refused.
    pub fn write_calls(&self) -> u64 {
        let calls = self.inner.lock().calls.clone();
        [
            "object_batch_create",
            "object_batch_update",
            "object_invalidate",
            "employee_create",
        ]
        .iter()
        .filter_map(|k| calls.get(*k))
        .sum()
    }

    pub fn faults(&self) -> Faults<'_> {
        Faults { sim: self }
    }

    pub fn add_employee(
        &self,
        name: &str,
        mobile: Option<&str>,
        email: Option<&str>,
    ) -> Result<JingId, SimError> {
        let id = self.inner.lock().store.add_employee(name, mobile, email)?;
        JingId::parse(&id).map_err(|e| SimError {
            code: 50000,
            msg: e.to_string(),
            existing_id: None,
        })
    }

    pub fn human(&self) -> Human<'_> {
        Human {
            inner: &self.inner,
            operator: Operator::human(20272),
        }
    }

    pub fn set_webhook(&self, url: &str, token: &str, signing_secret: Option<&str>) {
        self.inner.lock().webhook = Some(WebhookTarget {
            url: url.to_owned(),
            token: token.to_owned(),
            signing_secret: signing_secret.map(str::to_owned),
        });
    }

    pub fn set_webhook_chaos(&self, chaos: WebhookChaos) {
        self.inner.lock().chaos = chaos;
    }

    /// Deliver every pending event once, now; deterministic for tests.
    pub async fn deliver_webhooks(&self) -> DeliveryReport {
        webhooks::deliver(&self.inner).await
    }

    /// Events waiting for delivery (bodies as they will be sent).
    pub fn pending_webhooks(&self) -> Vec<Json> {
        self.inner
            .lock()
            .outbox
            .iter()
            .map(|p| p.body.clone())
            .collect()
    }

    /// Deliver pending webhooks every `every` until the simulator stops (for the binary and
    /// demos; tests call `deliver_webhooks` for determinism).
    pub fn deliver_webhooks_every(&self, every: Duration) {
        let inner = self.inner.clone();
        let weak = Arc::downgrade(&inner);
        drop(inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                webhooks::deliver(&inner).await;
            }
        });
    }

    /// Events acknowledged so far.
    pub fn delivered_webhooks(&self) -> Vec<Json> {
        self.inner.lock().delivered.clone()
    }

    /// Events given up after `webhook_max_attempts` failed deliveries: JING never sends them
    /// again (only the connector's JING safety net can still find those changes).
    pub fn dead_webhooks(&self) -> Vec<Json> {
        self.inner.lock().dead.clone()
    }
}

impl Drop for JingSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Misbehaviour on request.
pub struct Faults<'a> {
    sim: &'a JingSim,
}

impl Faults<'_> {
    /// The next `n` calls answer HTTP 503 with an HTML body (no envelope).
    pub fn fail_next(&self, n: u32) {
        self.fail_next_with(n, 503);
    }
    pub fn fail_next_with(&self, n: u32, status: u16) {
        let mut st = self.sim.inner.lock();
        st.faults.fail_next = n;
        st.faults.fail_status = status;
    }
    /// The next `n` calls answer after `by`.
    pub fn slow_next(&self, n: u32, by: Duration) {
        let mut st = self.sim.inner.lock();
        st.faults.slow_next = n;
        st.faults.slow_by = by;
    }
    /// At most `per_sec` calls per second; more get the throttling answer.
    pub fn throttle(&self, per_sec: Option<u32>, answer: ThrottleAnswer) {
        let mut st = self.sim.inner.lock();
        st.cfg.throttle_per_sec = per_sec;
        st.cfg.throttle_answer = answer;
        st.window = (0, 0);
    }
    /// The app loses its interface permission for an object (code 40300).
    pub fn deny_object(&self, object: &str) {
        self.sim
            .inner
            .lock()
            .denied_objects
            .insert(object.to_owned());
    }
    /// Every access token stops working now (revoked or expired early).
    pub fn revoke_access_tokens(&self) {
        self.sim.inner.lock().access.clear();
    }
    /// Every refresh token stops working now.
    pub fn revoke_refresh_tokens(&self) {
        self.sim.inner.lock().refresh.clear();
    }
}
