//! The setup checklist: each step of going live, done or not, with what proves it.

use super::{WEBHOOK_MARK, last_received, outbound_mark};
use crate::jobs::members::MemberMark;
use crate::{AdminError, Edge};
use app::connect::PermissionCheck;
use app::settings::{AppSettings, InitState};
use domain::{Direction, Lang, ObjectKind, ObjectSpec};
use serde::Serialize;
use serde_json::{Value, json};

/// One step of going live.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// `connected`, `permissions`, `outbound_messages`, `webhooks`, `members`, `initialization`.
    pub item: &'static str,
    pub done: bool,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// What proves it (who, when, what is missing).
    pub detail: Value,
}

fn item(item: &'static str, done: bool, labels: [&'static str; 2], detail: Value) -> Item {
    Item {
        item,
        done,
        label_zh: labels[0],
        label_en: labels[1],
        detail,
    }
}

fn when(t: Option<time::OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| json!(domain::datetime::format_sf(t)))
}

/// Every step, in the order an admin does them.
pub async fn checklist(st: &Edge, s: &AppSettings) -> Result<Vec<Item>, AdminError> {
    let cursors = st.cursors.as_ref();
    let mut items = vec![item(
        "connected",
        s.authorized.is_some(),
        ["已授权 Salesforce", "Salesforce authorized"],
        json!({ "account": s.authorized, "org": s.org(), "environment": s.environment }),
    )];
    let check = PermissionCheck::load(cursors, s).await;
    let gaps: Vec<Value> = check.iter().flat_map(|c| &c.gaps).map(gap).collect();
    items.push(item(
        "permissions",
        check.is_some() && gaps.is_empty(),
        ["API 权限检查通过", "API permissions checked"],
        json!({ "checked_at": when(check.map(|c| c.at)), "missing": gaps }),
    ));
    items.push(external_ids(s));
    let mut objects = serde_json::Map::new();
    let mut all_seen = true;
    for kind in [ObjectKind::Lead, ObjectKind::Account] {
        if !s.direction_open(kind, Direction::SfToJing) {
            continue;
        }
        let sf_object = ObjectSpec::of(kind).sf_object;
        let seen = last_received(cursors, &s.app, &outbound_mark(sf_object)).await;
        all_seen &= seen.is_some();
        objects.insert(sf_object.to_owned(), json!({ "last_received": when(seen) }));
    }
    items.push(item(
        "outbound_messages",
        all_seen,
        [
            "Salesforce 出站消息已收到",
            "Salesforce outbound messages received",
        ],
        Value::Object(objects),
    ));
    let webhook = last_received(cursors, &s.app, WEBHOOK_MARK).await;
    items.push(item(
        "webhooks",
        webhook.is_some(),
        ["JING Webhook 已收到", "JING webhooks received"],
        json!({ "last_received": when(webhook) }),
    ));
    let bound = st.bindings.count(&s.app, ObjectKind::Member).await?;
    let members = MemberMark::load(cursors, &s.app).await;
    items.push(item(
        "members",
        bound > 0,
        ["成员已绑定", "Members bound"],
        json!({ "bound": bound, "last_sync": members }),
    ));
    items.push(item(
        "initialization",
        matches!(s.init, InitState::Done { .. } | InitState::Skipped),
        ["初始化完成", "Initialization finished"],
        json!(s.init),
    ));
    Ok(items)
}

/// Recommended: an external-ID field holding the JING id on every object created in
/// Salesforce, so a create retried after an uncertain outcome never makes a second record.
fn external_ids(s: &AppSettings) -> Item {
    let mut objects = serde_json::Map::new();
    let mut all = true;
    for kind in [ObjectKind::Lead, ObjectKind::Account] {
        if !s.direction_open(kind, Direction::JingToSf) {
            continue;
        }
        let field = s.object(kind).and_then(|o| o.sf_external_id.clone());
        all &= field.is_some();
        objects.insert(
            ObjectSpec::of(kind).sf_object.to_owned(),
            json!({ "field": field }),
        );
    }
    item(
        "external_ids",
        all,
        [
            "JING Id 外部 ID 字段（推荐）",
            "External-ID field for JING ids (recommended)",
        ],
        json!({
            "objects": objects,
            "recommended": "a Text(64) field marked External ID and Unique, e.g. Jing_Id__c, set with PUT /api/apps/{app}/objects/{object}/external-id",
        }),
    )
}

fn gap(e: &domain::SyncError) -> Value {
    json!({
        "code": e.code,
        "object": e.object,
        "field": e.field,
        "cause_zh": e.cause(Lang::Zh),
        "cause_en": e.cause(Lang::En),
        "fix_zh": e.fix(Lang::Zh),
        "fix_en": e.fix(Lang::En),
    })
}
