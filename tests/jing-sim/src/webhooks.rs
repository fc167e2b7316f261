//! `object_v2` webhook events (shape KNOWN from doc-2115608 / doc-2117445), queued on every
//! human change (and on API changes when configured, marked operator_type 0 + "openapi"),
//! delivered signed per our contract, retried until a 2xx or the attempt limit.

use crate::schema;
use crate::state::{Inner, Pending, State};
use crate::store::Diff;
use domain::datetime::{format_jing, from_epoch_millis};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value as Json, json};
use sha2::Sha256;

/// Who made a change, as the event tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub operator_type: i64,
    pub operator_id: i64,
    pub login_platform: &'static str,
}

impl Operator {
    /// Our connector writing through the open API (see `jing::contract::OwnWriteMarker`).
    pub const API: Operator = Operator {
        operator_type: 0,
        operator_id: 0,
        login_platform: "openapi",
    };
    /// A back-office user (operator_type 1), as in the documented samples.
    pub fn human(operator_id: i64) -> Self {
        Operator {
            operator_type: 1,
            operator_id,
            login_platform: "jing",
        }
    }
}

fn wanted(st: &State, op: Operator) -> bool {
    op != Operator::API || st.cfg.webhook_api_changes
}

pub fn on_create(st: &mut State, object: &str, id: &str, op: Operator, now_ms: i64) {
    let Some(rec) = st.store.get(object, id).filter(|_| wanted(st, op)) else {
        return;
    };
    let diff: Diff = rec
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), (Json::Null, v.clone())))
        .collect();
    let ev = Event {
        event_type: "object_create",
        keyword: "object_create",
        create: true,
        op,
        now_ms,
    };
    enqueue(st, object, id, &diff, ev);
}

/// An update; `owner_keyword` makes it an owner change (`manual_distribution`/`auto_distribution`).
pub fn on_update(
    st: &mut State,
    object: &str,
    id: &str,
    diff: &Diff,
    owner_keyword: Option<&'static str>,
    op: Operator,
    now_ms: i64,
) {
    if diff.is_empty() || !wanted(st, op) {
        return;
    }
    let kw = owner_keyword.unwrap_or("object_update");
    let ev = Event {
        event_type: "object_update",
        keyword: kw,
        create: false,
        op,
        now_ms,
    };
    enqueue(st, object, id, diff, ev);
}

pub fn on_invalidate(st: &mut State, object: &str, id: &str, op: Operator, now_ms: i64) {
    if wanted(st, op) {
        let ev = Event {
            event_type: "object_invalid",
            keyword: "object_invalid",
            create: false,
            op,
            now_ms,
        };
        enqueue(st, object, id, &Diff::new(), ev);
    }
}

/// What kind of event to queue and who caused it.
struct Event {
    event_type: &'static str,
    keyword: &'static str,
    create: bool,
    op: Operator,
    now_ms: i64,
}

/// `mapping_data` (values) and `mapping_data_text` (labels, "-" for empty).
fn mapping(object: &str, diff: &Diff, create: bool) -> (Map<String, Json>, Map<String, Json>) {
    let fields = schema::object(object).map_or(&[][..], |(f, _)| f);
    let (mut values, mut labels) = (Map::new(), Map::new());
    for (code, (before, after)) in diff {
        let f = fields.iter().find(|f| f.code == code);
        let label = |v: &Json| f.map_or(v.clone(), |f| schema::label_of(f, v));
        let (v, l) = if create {
            (json!([after]), json!([label(after)]))
        } else {
            (json!([before, after]), json!([label(before), label(after)]))
        };
        values.insert(code.clone(), v);
        labels.insert(code.clone(), l);
    }
    (values, labels)
}

fn enqueue(st: &mut State, object: &str, id: &str, diff: &Diff, ev: Event) {
    let (Some(rec), Some((_, object_id))) = (st.store.get(object, id), schema::object(object))
    else {
        return;
    };
    let (values, labels) = mapping(object, diff, ev.create);
    let op = ev.op;
    let field = |k: &str| rec.fields.get(k).cloned().unwrap_or(Json::Null);
    let mut extra = json!({
        "login_source_value": null, "notes": null, "operator_id": op.operator_id,
        "timeline_data": { "login_platform": op.login_platform, "login_source_name": null,
                           "login_source_type": "jingmodule", "login_environment": "pc" },
        "mapping_data": values, "mapping_data_text": labels,
        "created_timestamp": format_jing(from_epoch_millis(rec.created_ms)),
        "entity_id": id, "object_id": object_id, "operator_type": op.operator_type,
        "login_platform": op.login_platform, "is_follow_up": 0, "object_name": object,
        "business_type": field("business_type"), "omni_user_uuid": null,
        "login_source_type": "jingmodule", "login_environment": "pc", "owner": field("owner"),
    });
    if object == "lead" {
        extra["life_status"] = field("life_status");
        extra["lead_omni_user_uuid"] = Json::Null;
    }
    let body = json!({
        "event_type": ev.event_type, "create_time": ev.now_ms / 1000, "action_keyword": ev.keyword,
        "extra_data": extra, "mid": st.cfg.mid, "event_category": "object_v2", "openplatform": "June",
    });
    st.outbox.push_back(Pending { body, attempts: 0 });
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Events acknowledged with a 2xx this round.
    pub delivered: usize,
    /// Events refused or unreachable this round (kept for retry unless given up).
    pub failed: usize,
    /// Events still waiting after the round.
    pub pending: usize,
    /// Events given up after the attempt limit, in total.
    pub dead: usize,
    /// HTTP POSTs made this round (duplicates included).
    pub posts: usize,
}

/// Deliver every pending event once (twice with `duplicate`, newest first with `reorder`).
pub async fn deliver(inner: &Inner) -> DeliveryReport {
    let (target, chaos, mut batch) = {
        let mut st = inner.lock();
        let Some(target) = st.webhook.clone() else {
            return DeliveryReport {
                pending: st.outbox.len(),
                dead: st.dead.len(),
                ..Default::default()
            };
        };
        (target, st.chaos, std::mem::take(&mut st.outbox))
    };
    if chaos.reorder {
        batch.make_contiguous().reverse();
    }
    let url = target.delivery_url();
    let mut report = DeliveryReport::default();
    let mut results = Vec::new();
    for ev in batch {
        let mut ok = false;
        for _ in 0..if chaos.duplicate { 2 } else { 1 } {
            report.posts += 1;
            ok |= post(inner, &url, target.signing_secret.as_deref(), &ev.body).await;
        }
        results.push((ev, ok));
    }
    settle(inner, results, report)
}

/// Acknowledged events are done; the others wait for the next round or die at the limit.
fn settle(
    inner: &Inner,
    results: Vec<(Pending, bool)>,
    mut report: DeliveryReport,
) -> DeliveryReport {
    let mut st = inner.lock();
    for (mut ev, ok) in results {
        if ok {
            report.delivered += 1;
            st.delivered.push(ev.body);
            continue;
        }
        report.failed += 1;
        ev.attempts += 1;
        if ev.attempts >= st.cfg.webhook_max_attempts {
            st.dead.push(ev.body);
        } else {
            st.outbox.push_back(ev);
        }
    }
    report.pending = st.outbox.len();
    report.dead = st.dead.len();
    report
}

async fn post(inner: &Inner, url: &str, secret: Option<&str>, body: &Json) -> bool {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut req = inner
        .http
        .post(url)
        .header("Content-Type", "application/json");
    if let Some(secret) = secret {
        let ts = inner.clock.now().unix_timestamp();
        let contract = jing::contract::WebhookContract::default();
        req = req
            .header(contract.timestamp_header, ts.to_string())
            .header(contract.signature_header, signature(secret, ts, &bytes));
    }
    matches!(req.body(bytes).send().await, Ok(r) if r.status().is_success())
}

/// `v1=hex(HMAC-SHA256(secret, ts + "." + body))`, computed here independently of the client.
pub fn signature(secret: &str, ts: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    format!(
        "v1={}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}
