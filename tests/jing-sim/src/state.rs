//! The shared state of one simulated tenant and the envelope JING answers with.

use crate::clock::SimClock;
use crate::config::{JingSimConfig, WebhookChaos, WebhookTarget};
use crate::schema::Refusal;
use crate::store::Store;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Planned misbehaviour of the next calls.
#[derive(Debug, Default, Clone)]
pub struct FaultPlan {
    pub fail_next: u32,
    pub fail_status: u16,
    pub slow_next: u32,
    pub slow_by: Duration,
}

/// One webhook event waiting for a 2xx.
#[derive(Debug, Clone)]
pub struct Pending {
    pub body: Json,
    pub attempts: u32,
}

pub struct State {
    pub cfg: JingSimConfig,
    pub store: Store,
    /// access token → expiry (epoch ms)
    pub access: HashMap<String, i64>,
    /// refresh token → expiry (epoch ms)
    pub refresh: HashMap<String, i64>,
    pub calls: BTreeMap<String, u64>,
    pub faults: FaultPlan,
    /// (second, requests in it) for the throttle.
    pub window: (i64, u32),
    pub webhook: Option<WebhookTarget>,
    pub chaos: WebhookChaos,
    pub outbox: VecDeque<Pending>,
    pub delivered: Vec<Json>,
    pub dead: Vec<Json>,
    pub denied_objects: HashSet<String>,
}

impl State {
    pub fn new(cfg: JingSimConfig) -> Self {
        Self {
            cfg,
            store: Store::default(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            calls: BTreeMap::new(),
            faults: FaultPlan {
                fail_status: 503,
                ..FaultPlan::default()
            },
            window: (0, 0),
            webhook: None,
            chaos: WebhookChaos::default(),
            outbox: VecDeque::new(),
            delivered: Vec::new(),
            dead: Vec::new(),
            denied_objects: HashSet::new(),
        }
    }
}

/// What every part of the simulator shares.
pub struct Inner {
    pub state: Mutex<State>,
    pub clock: SimClock,
    pub http: reqwest::Client,
}

impl Inner {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// 32 hex characters, like JING's `request_id`.
pub fn request_id() -> String {
    (0..16)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// A UUID-shaped token, like JING's tokens.
pub fn uuid() -> String {
    let h = request_id();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn envelope(code: i64, msg: &str, data: Json, now_ms: i64) -> Json {
    json!({ "request_id": request_id(), "code": code, "msg": msg, "data": data, "timestamp": now_ms })
}

pub fn success(data: Json, now_ms: i64) -> Json {
    envelope(0, "success", data, now_ms)
}

pub fn refusal(r: &Refusal, now_ms: i64) -> Json {
    let data = match &r.existing {
        Some(id) => json!({ "existing_id": id }),
        None => Json::Null,
    };
    envelope(r.code, &r.msg, data, now_ms)
}
