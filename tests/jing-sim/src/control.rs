//! Control endpoints under `/_sim/` so a separate process (the demo, an end-to-end test) can
//! act as a JING user, add employees, configure and trigger webhook delivery, and read counters.
//! Not part of JING's API; answers use the same envelope.

use crate::config::WebhookChaos;
use crate::human::{Human, SimError};
use crate::state::{Inner, envelope, success};
use crate::store::Record;
use crate::webhooks::{self, Operator};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use domain::JingId;
use serde_json::{Value as Json, json};
use std::sync::Arc;

type S = State<Arc<Inner>>;

fn answer(inner: &Inner, r: Result<Json, SimError>) -> axum::Json<Json> {
    let now = inner.clock.now_ms();
    axum::Json(match r {
        Ok(data) => success(data, now),
        Err(e) => envelope(e.code, &e.msg, json!({ "existing_id": e.existing_id }), now),
    })
}

fn text<'a>(body: &'a Json, key: &str) -> Result<&'a str, SimError> {
    body.get(key)
        .and_then(Json::as_str)
        .ok_or_else(|| SimError {
            code: 40000,
            msg: format!("{key} is required"),
            existing_id: None,
        })
}

fn id(body: &Json, key: &str) -> Result<JingId, SimError> {
    JingId::parse(text(body, key)?).map_err(|e| SimError {
        code: 40000,
        msg: e.to_string(),
        existing_id: None,
    })
}

fn human<'a>(inner: &'a Inner, body: &Json) -> Human<'a> {
    let operator = body
        .get("operator_id")
        .and_then(Json::as_i64)
        .unwrap_or(20272);
    Human {
        inner,
        operator: Operator::human(operator),
    }
}

async fn create(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let id = human(&inner, &b).create(
            text(&b, "object")?,
            b.get("fields").cloned().unwrap_or(Json::Null),
        )?;
        Ok(json!({ "entity_id": id }))
    })();
    answer(&inner, r)
}

async fn update(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let fields = b.get("fields").cloned().unwrap_or(Json::Null);
        human(&inner, &b).update(text(&b, "object")?, &id(&b, "entity_id")?, fields)?;
        Ok(Json::Null)
    })();
    answer(&inner, r)
}

async fn owner(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let auto = b.get("auto").and_then(Json::as_bool).unwrap_or(false);
        human(&inner, &b).change_owner(
            text(&b, "object")?,
            &id(&b, "entity_id")?,
            &id(&b, "owner")?,
            auto,
        )?;
        Ok(Json::Null)
    })();
    answer(&inner, r)
}

async fn invalidate(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        human(&inner, &b).invalidate(text(&b, "object")?, &id(&b, "entity_id")?)?;
        Ok(Json::Null)
    })();
    answer(&inner, r)
}

async fn employee(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let opt = |k: &str| b.get(k).and_then(Json::as_str);
        let id = inner
            .lock()
            .store
            .add_employee(text(&b, "name")?, opt("mobile"), opt("email"))?;
        Ok(json!({ "employee_id": id }))
    })();
    answer(&inner, r)
}

async fn webhook(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let target = crate::config::WebhookTarget {
            url: text(&b, "url")?.to_owned(),
            token: text(&b, "token")?.to_owned(),
            signing_secret: b
                .get("signing_secret")
                .and_then(Json::as_str)
                .map(str::to_owned),
        };
        let mut st = inner.lock();
        st.webhook = Some(target);
        st.chaos = WebhookChaos {
            duplicate: b.get("duplicate").and_then(Json::as_bool).unwrap_or(false),
            reorder: b.get("reorder").and_then(Json::as_bool).unwrap_or(false),
        };
        Ok(Json::Null)
    })();
    answer(&inner, r)
}

async fn deliver(State(inner): S) -> axum::Json<Json> {
    let r = webhooks::deliver(&inner).await;
    let data = json!({ "delivered": r.delivered, "failed": r.failed, "pending": r.pending, "dead": r.dead, "posts": r.posts });
    answer(&inner, Ok(data))
}

/// `{"object":"lead","count":N,"start":k}`: N generated records created by a back-office user
/// (`start` continues a series seeded in several requests). No webhook events unless a webhook
/// is configured.
async fn seed(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let r = (|| {
        let object = text(&b, "object")?;
        let number = |k: &str| b.get(k).and_then(Json::as_u64).unwrap_or(0) as usize;
        let (count, start) = (number("count"), number("start"));
        let who = human(&inner, &b);
        for i in start..start + count {
            let fields = crate::seed::record(object, i).ok_or_else(|| SimError {
                code: 40000,
                msg: format!("no generator for {object}"),
                existing_id: None,
            })?;
            who.create(object, Json::Object(fields))?;
        }
        Ok(json!({ "created": count }))
    })();
    answer(&inner, r)
}

/// Live records of `{"object"}` (with `"field"` and `"value"`: those holding it), each passed
/// to `each`.
fn matching(inner: &Inner, b: &Json, mut each: impl FnMut(&Record)) -> Result<(), SimError> {
    let object = text(b, "object")?;
    let wanted = match (b.get("field").and_then(Json::as_str), b.get("value")) {
        (Some(f), Some(v)) => Some((f, v)),
        _ => None,
    };
    let st = inner.lock();
    st.store
        .records
        .values()
        .filter(|r| r.object == object && !r.invalid)
        .filter(|r| wanted.is_none_or(|(f, v)| r.fields.get(f) == Some(v)))
        .for_each(&mut each);
    Ok(())
}

async fn count(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let mut n = 0usize;
    let r = matching(&inner, &b, |_| n += 1).map(|()| json!({ "count": n }));
    answer(&inner, r)
}

async fn find(State(inner): S, axum::Json(b): axum::Json<Json>) -> axum::Json<Json> {
    let mut list = Vec::new();
    let r = matching(&inner, &b, |r| {
        list.push(json!({"entity_id": r.id, "fields": r.fields}));
    })
    .map(|()| json!({ "records": list }));
    answer(&inner, r)
}

async fn calls(State(inner): S) -> axum::Json<Json> {
    let calls = inner.lock().calls.clone();
    answer(&inner, Ok(json!(calls)))
}

pub fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/_sim/human/create", post(create))
        .route("/_sim/human/update", post(update))
        .route("/_sim/human/owner", post(owner))
        .route("/_sim/human/invalidate", post(invalidate))
        .route("/_sim/employees", post(employee))
        .route("/_sim/webhook", post(webhook))
        .route("/_sim/webhooks/deliver", post(deliver))
        .route("/_sim/calls", get(calls))
        .route("/_sim/seed", post(seed))
        .route("/_sim/count", post(count))
        .route("/_sim/find", post(find))
        .with_state(inner)
}
