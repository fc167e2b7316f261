//! A world of in-memory fakes behind the admin router, seeded with realistic data.
#![allow(dead_code)]

use app::fake_remote::{FakeAuth, FakeConnections, FakeJing, FakeSalesforce};
use app::fakes::{
    Fakes, FixedClock, MemBindingStore, MemErrorStore, MemLedger, MemQueue, MemQuotaStore,
    MemSettingsStore, MemSyncLog, MemTokenVault,
};
use app::ports::{
    BindingStore, ChangeQueue, ConflictEntry, ErrorRecord, ErrorStore, Ledger, QuotaStore,
    SettingsStore, SyncLog, SyncedRecord,
};
use app::settings::{AppSettings, AuthorizedAccount, Environment, Pause};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use domain::datetime::JING_OFFSET;
use domain::quota::quota_day;
use domain::rules::Conflict;
use domain::{AppId, Direction, ErrorCode, ObjectKind, SfId, Side, SyncError, Value};
use jingsf_edge::{Edge, EdgeOptions};
use secrecy::SecretString;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub const TOKEN: &str = "t0ken-for-tests-7f3a9c1e5b";
pub const APP: &str = "acme";
pub const ORG: &str = "00D000000000001AAA";

pub struct World {
    pub state: Edge,
    pub fakes: Fakes,
    pub clock: FixedClock,
    pub settings: Arc<MemSettingsStore>,
    pub bindings: Arc<MemBindingStore>,
    pub errors: Arc<MemErrorStore>,
    pub sync_log: Arc<MemSyncLog>,
    pub ledger: Arc<MemLedger>,
    pub quota: Arc<MemQuotaStore>,
    pub queue: Arc<MemQueue>,
    pub vault: Arc<MemTokenVault>,
    pub sf: Arc<FakeSalesforce>,
    pub jing: Arc<FakeJing>,
    pub auth: Arc<FakeAuth>,
}

pub fn world() -> World {
    let fakes = Fakes::new();
    let sf = Arc::new(FakeSalesforce::new());
    let jing = Arc::new(FakeJing::new());
    let auth = Arc::new(FakeAuth::new(ORG));
    let connections = FakeConnections {
        sf: sf.clone(),
        jing: jing.clone(),
        auth: auth.clone(),
    };
    let options = EdgeOptions {
        public_url: "https://connector.example.com".into(),
        allow_custom_login_host: false,
        org_probe_every: jingsf_edge::ORG_PROBE_EVERY,
        dry_run_budget: jingsf_edge::DRY_RUN_BUDGET_GATEWAY,
    };
    let state = Edge::new(
        fakes.ports(),
        Arc::new(connections),
        SecretString::from(TOKEN.to_owned()),
        options,
    );
    World {
        state,
        clock: fakes.clock.clone(),
        settings: Arc::new(fakes.settings.clone()),
        bindings: Arc::new(fakes.bindings.clone()),
        errors: Arc::new(fakes.errors.clone()),
        sync_log: Arc::new(fakes.sync_log.clone()),
        ledger: Arc::new(fakes.ledger.clone()),
        quota: Arc::new(fakes.quota.clone()),
        queue: Arc::new(fakes.queue.clone()),
        vault: Arc::new(fakes.vault.clone()),
        fakes,
        sf,
        jing,
        auth,
    }
}

pub fn app_id() -> AppId {
    AppId::parse(APP).unwrap()
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// The seeded figures the page and the API must agree on.
pub struct Seeded {
    pub used: u64,
    pub lead_ok: u64,
    pub account_ok: u64,
    pub lead_failed: u64,
    pub account_failed: u64,
    /// A Salesforce user without a matching employee, and a free employee to bind it to.
    pub unbound_user: SfId,
    pub unbound_user_name: String,
    pub free_employee: domain::JingId,
    pub free_employee_name: String,
    /// A failing lead that exists in Salesforce (retry re-reads it).
    pub failing_lead: SfId,
}

/// One connected app with usage, successes, failures of several categories, members (one
/// auto-bound, two unbound), a conflict and a paused direction.
pub async fn seed(w: &World) -> Seeded {
    let app = app_id();
    let now = w.clock.now_at();
    let mut s = AppSettings::new(
        app.clone(),
        "Acme 中国",
        Environment::Production,
        "jing-app-1",
        "tenant-1",
    );
    s.revision = 1;
    s.authorized = Some(AuthorizedAccount {
        username: "integration@acme.example".into(),
        user_id: SfId::parse("005000000000001AAA").unwrap(),
        org_id: SfId::parse(ORG).unwrap(),
        instance_url: "https://acme.my.salesforce.com".into(),
        at: now,
    });
    s.admin_email = Some("admin@acme.example".into());
    s.paused.push(Pause {
        object: ObjectKind::Lead,
        direction: Direction::JingToSf,
        reason: SyncError::new(ErrorCode::CircuitOpen)
            .object("Lead")
            .detail("35%"),
    });
    w.settings.put(&s).await.unwrap();

    let used = 12_000;
    let day = quota_day(now, JING_OFFSET);
    w.quota.reserve(&app, day, used, 15_000).await.unwrap();

    let (lead_ok, account_ok) = (13, 4);
    for i in 0..lead_ok {
        log_success(
            w,
            ObjectKind::Lead,
            &format!("00Q0000000000{i:02}"),
            &format!("线索 {i:02} 张伟"),
            i,
        )
        .await;
    }
    for i in 0..account_ok {
        log_success(
            w,
            ObjectKind::Account,
            &format!("0010000000000{i:02}"),
            &format!("客户 {i} 有限公司"),
            i,
        )
        .await;
    }

    let failing_lead = w.sf.insert(
        "Lead",
        BTreeMap::from([
            ("LastName".to_owned(), text("王")),
            ("Company".to_owned(), text("长城贸易")),
        ]),
    );
    let too_long = SyncError::new(ErrorCode::ValueTooLong)
        .field("Company")
        .object("Lead")
        .detail("max length=255");
    fail(
        w,
        ObjectKind::Lead,
        failing_lead.as_str(),
        "王芳",
        too_long.clone(),
        2,
    )
    .await;
    fail(
        w,
        ObjectKind::Lead,
        "00Q000000000091",
        "李娜",
        too_long.clone(),
        1,
    )
    .await;
    fail(w, ObjectKind::Lead, "00Q000000000092", "刘洋", too_long, 3).await;
    fail(
        w,
        ObjectKind::Lead,
        "jl-7781",
        "陈静",
        SyncError::new(ErrorCode::AccountNotFound),
        1,
    )
    .await;
    fail(
        w,
        ObjectKind::Account,
        "001000000000093",
        "华东制造",
        SyncError::new(ErrorCode::FieldNotAccessible)
            .object("Account")
            .field("Industry"),
        1,
    )
    .await;
    fail(
        w,
        ObjectKind::Lead,
        "00Q000000000094",
        "赵磊",
        SyncError::new(ErrorCode::InvalidPicklistValue)
            .field("LeadSource")
            .detail("微信"),
        1,
    )
    .await;

    // Members: one user matches an employee by mobile, two do not.
    w.sf.insert(
        "User",
        user("周杰", "zhou@acme.example", "+86 138 0013 8000"),
    );
    let unbound_user_name = "吴敏".to_owned();
    let unbound_user = w.sf.insert(
        "User",
        user(&unbound_user_name, "wu.min@acme.example", "13900139000"),
    );
    w.sf.insert("User", user("孙丽", "sun.li@acme.example", "13700137000"));
    w.jing.add_employee("周杰", Some("13800138000"), None);
    let free_employee_name = "吴敏（市场部）".to_owned();
    let free_employee = w.jing.add_employee(
        &free_employee_name,
        Some("13911112222"),
        Some("wumin@jing.example"),
    );
    // Member sync through the admin API: it binds and stores the directory the page lists.
    let (status, report) = post(w, "/api/apps/acme/members/sync", serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report["bound"].as_array().map(Vec::len),
        Some(1),
        "seed: one member auto-binds"
    );

    w.ledger
        .add_conflict(&ConflictEntry {
            app: app.clone(),
            object: ObjectKind::Lead,
            record_key: "00Q000000000003".into(),
            field: "Phone".into(),
            conflict: Conflict {
                incoming: text("021-5555 0101"),
                target: text("021-5555 0199"),
                winner: Side::Jing,
            },
            at: now,
            direction: None,
            settled: None,
        })
        .await
        .unwrap();

    Seeded {
        used,
        lead_ok,
        account_ok,
        lead_failed: 5,
        account_failed: 1,
        unbound_user,
        unbound_user_name,
        free_employee,
        free_employee_name,
        failing_lead,
    }
}

fn user(name: &str, email: &str, mobile: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("Name".to_owned(), text(name)),
        ("Email".to_owned(), text(email)),
        ("MobilePhone".to_owned(), text(mobile)),
        ("IsActive".to_owned(), Value::Bool(true)),
    ])
}

/// Record keys as the writer stores them: Salesforce ids in their 18-character form.
pub fn key(raw: &str) -> String {
    SfId::parse(raw).map_or_else(|_| raw.to_owned(), |id| id.to_string())
}

async fn log_success(w: &World, object: ObjectKind, key: &str, name: &str, minutes_ago: u64) {
    let key = self::key(key);
    w.sync_log
        .record(&SyncedRecord {
            app: app_id(),
            object,
            record_key: key.to_owned(),
            name: name.to_owned(),
            synced_at: w.clock.now_at() - Duration::from_secs(60 * minutes_ago),
        })
        .await
        .unwrap();
}

async fn fail(w: &World, object: ObjectKind, key: &str, name: &str, error: SyncError, times: u32) {
    let key = self::key(key);
    for _ in 0..times {
        w.errors
            .record(&ErrorRecord {
                app: app_id(),
                object,
                record_key: key.to_owned(),
                name: name.to_owned(),
                error: error.clone(),
                count: 1,
                first_seen: w.clock.now_at(),
                last_seen: w.clock.now_at(),
                change: None,
            })
            .await
            .unwrap();
    }
}

/// `Clock::now` without importing the trait at every call site.
pub trait NowAt {
    fn now_at(&self) -> time::OffsetDateTime;
}
impl NowAt for FixedClock {
    fn now_at(&self) -> time::OffsetDateTime {
        app::ports::Clock::now(self)
    }
}

pub async fn queue_depth(w: &World) -> u64 {
    w.queue.depth().await.unwrap()
}

pub async fn member_bound(w: &World, user: &SfId) -> Option<domain::JingId> {
    w.bindings
        .by_sf(&app_id(), ObjectKind::Member, user)
        .await
        .unwrap()
        .map(|b| b.jing_id)
}

/// One request through the router: (status, JSON body, or the text as a JSON string).
pub async fn send(
    w: &World,
    method: Method,
    path: &str,
    body: Option<Json>,
    token: Option<&str>,
) -> (StatusCode, Json) {
    let (status, _, text) = send_raw(w, method, path, body, token).await;
    let json = if text.is_empty() {
        Json::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Json::String(text))
    };
    (status, json)
}

pub async fn send_raw(
    w: &World,
    method: Method,
    path: &str,
    body: Option<Json>,
    token: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = jingsf_edge::router(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub async fn get(w: &World, path: &str) -> (StatusCode, Json) {
    send(w, Method::GET, path, None, Some(TOKEN)).await
}
pub async fn post(w: &World, path: &str, body: Json) -> (StatusCode, Json) {
    send(w, Method::POST, path, Some(body), Some(TOKEN)).await
}
pub async fn put(w: &World, path: &str, body: Json) -> (StatusCode, Json) {
    send(w, Method::PUT, path, Some(body), Some(TOKEN)).await
}

pub fn assert_error(v: &Json, code: &str) {
    let e = &v["error"];
    assert_eq!(e["code"], code, "{v}");
    for k in ["message", "cause_zh", "cause_en", "fix_zh", "fix_en"] {
        assert!(
            e[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} missing in {v}"
        );
    }
}
