//! Shared setup for tests against the simulator.
#![allow(dead_code)]

use async_trait::async_trait;
use jing::{Credentials, JingClient, JingClientConfig, RetryPolicy, TokenSet, TokenSink};
use jing_sim::{JingSim, JingSimConfig};
use jingsf_jing as jing;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const APP_ID: &str = "202305171108447827375161344";
pub const SECRET: &str = "c32501b33424473daebb9d43ccc37c57";

/// Records every token pair the client reports.
#[derive(Default)]
pub struct Sink(pub Mutex<Vec<TokenSet>>);

#[async_trait]
impl TokenSink for Sink {
    async fn tokens_issued(&self, tokens: &TokenSet) {
        self.0.lock().unwrap().push(tokens.clone());
    }
}

impl Sink {
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    pub fn last(&self) -> TokenSet {
        self.0.lock().unwrap().last().cloned().unwrap()
    }
}

pub async fn sim() -> JingSim {
    JingSim::start(JingSimConfig::new(APP_ID, SECRET))
        .await
        .unwrap()
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
    }
}

pub fn config(sim: &JingSim, secret: &str) -> JingClientConfig {
    let mut cfg = JingClientConfig::new(sim.contract(), Credentials::new(APP_ID, secret));
    cfg.rate_per_sec = 10_000.0;
    cfg.burst = 10_000;
    cfg.retry = fast_retry();
    cfg
}

pub fn client_with(
    sim: &JingSim,
    cfg: JingClientConfig,
    saved: Option<TokenSet>,
) -> (JingClient, Arc<Sink>) {
    let sink = Arc::new(Sink::default());
    let client = JingClient::build(cfg, saved, sink.clone(), sim.clock().as_fn()).unwrap();
    (client, sink)
}

pub fn client(sim: &JingSim) -> (JingClient, Arc<Sink>) {
    client_with(sim, config(sim, SECRET), None)
}

pub fn calls(sim: &JingSim, kind: &str) -> u64 {
    sim.calls().get(kind).copied().unwrap_or(0)
}
