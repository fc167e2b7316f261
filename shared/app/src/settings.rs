//! App configuration as the admin sets it (账号配置, 初始化, 设置规则, 字段映射, API 额度).

use domain::conditions::Scope;
use domain::spec::{FieldMapping, ObjectSpec};
use domain::{AppId, Direction, ObjectKind, SfId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Where the Salesforce org lives (each app binds exactly one org).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "host", rename_all = "snake_case")]
pub enum Environment {
    Production,
    Sandbox,
    /// A My Domain login host, e.g. `acme.my.salesforce.com`.
    MyDomain(String),
    /// A simulator or test host (full base URL), for the demo and tests.
    Custom(String),
}

/// Who authorized the app, and into which org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedAccount {
    pub username: String,
    pub user_id: SfId,
    pub org_id: SfId,
    pub instance_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What a delete on the origin does on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeleteAction {
    /// Delete in Salesforce / invalidate (作废) in JING.
    Delete,
    #[default]
    Nothing,
}

/// Triggers and scope of one object in one direction (设置规则).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionRules {
    /// On create/update → create/update on the target.
    pub on_upsert: bool,
    pub on_delete: DeleteAction,
    /// Scope limit: which records sync at all (no condition = all).
    #[serde(default)]
    pub scope: Scope,
}

impl DirectionRules {
    /// Both triggers "do nothing" disables the direction.
    pub fn enabled(&self) -> bool {
        self.on_upsert || self.on_delete == DeleteAction::Delete
    }
    pub fn off() -> Self {
        Self {
            on_upsert: false,
            on_delete: DeleteAction::Nothing,
            scope: Scope::default(),
        }
    }
    pub fn upsert_only() -> Self {
        Self {
            on_upsert: true,
            on_delete: DeleteAction::Nothing,
            scope: Scope::default(),
        }
    }
}

/// Everything about one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSettings {
    pub enabled: bool,
    pub sf_to_jing: DirectionRules,
    pub jing_to_sf: DirectionRules,
    /// 业务类型 assigned to records created in JING.
    #[serde(default)]
    pub business_type: Option<String>,
    pub mapping: Vec<FieldMapping>,
}

impl ObjectSettings {
    pub fn rules(&self, d: Direction) -> &DirectionRules {
        match d {
            Direction::SfToJing => &self.sf_to_jing,
            Direction::JingToSf => &self.jing_to_sf,
        }
    }
    pub fn rules_mut(&mut self, d: Direction) -> &mut DirectionRules {
        match d {
            Direction::SfToJing => &mut self.sf_to_jing,
            Direction::JingToSf => &mut self.jing_to_sf,
        }
    }
    /// Defaults: both directions create/update, deletes do nothing, default mappings.
    pub fn defaults(kind: ObjectKind) -> Self {
        let spec = ObjectSpec::of(kind);
        let jing_to_sf = if spec.writable_in_sf {
            DirectionRules::upsert_only()
        } else {
            DirectionRules::off()
        };
        Self {
            enabled: true,
            sf_to_jing: DirectionRules::upsert_only(),
            jing_to_sf,
            business_type: None,
            mapping: spec.default_mapping(),
        }
    }
}

/// Daily Salesforce API allocation (API 额度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Calls per 24 h this app may use (default 15,000).
    pub daily: u64,
    /// Never use more than this share of the org's remaining `DailyApiRequests` (percent).
    pub max_org_share_pct: u8,
}

impl Default for Allocation {
    fn default() -> Self {
        Self {
            daily: 15_000,
            max_org_share_pct: 50,
        }
    }
}

/// Circuit breaker thresholds: a batch deleting/blanking more than `share_pct`% of an object's
/// bound records (and at least `min_records`) pauses the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitBreaker {
    pub share_pct: u8,
    pub min_records: u64,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self {
            share_pct: 20,
            min_records: 50,
        }
    }
}

/// A direction stopped until an admin resumes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub object: ObjectKind,
    pub direction: Direction,
    pub reason: domain::SyncError,
}

/// Initialization (初始化) state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InitState {
    #[default]
    NotStarted,
    Running {
        done: u64,
        total: u64,
    },
    Done {
        records: u64,
    },
    Skipped,
}

/// The whole configuration of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSettings {
    pub app: AppId,
    /// Incremented on every save (optimistic concurrency).
    pub revision: u64,
    pub name: String,
    #[serde(default)]
    pub department: Option<String>,
    pub enabled: bool,
    pub environment: Environment,
    #[serde(default)]
    pub authorized: Option<AuthorizedAccount>,
    /// JING open-platform app id; its secret is in the vault.
    pub jing_app_id: String,
    /// JING tenant (`mid` in webhooks).
    pub jing_tenant: String,
    pub objects: BTreeMap<ObjectKind, ObjectSettings>,
    #[serde(default)]
    pub allocation: Allocation,
    /// Lead–account association check (needs account sync on).
    #[serde(default)]
    pub association_check: bool,
    #[serde(default)]
    pub circuit_breaker: CircuitBreaker,
    #[serde(default)]
    pub paused: Vec<Pause>,
    #[serde(default)]
    pub init: InitState,
    /// Initialization reads an object over Bulk API 2.0 when its estimated record count is above
    /// this (fewer calls for big sets); at or below it, REST query pages of 2,000.
    #[serde(default = "default_bulk_threshold")]
    pub init_bulk_threshold: u64,
    /// Error digests go here; on by default.
    #[serde(default)]
    pub admin_email: Option<String>,
    #[serde(default = "yes")]
    pub notify_errors: bool,
    /// Send `Sforce-Auto-Assign: FALSE` on lead writes (assignment rules off).
    #[serde(default = "yes")]
    pub suppress_assignment_rules: bool,
}

fn yes() -> bool {
    true
}

/// Default of [`AppSettings::init_bulk_threshold`].
pub const DEFAULT_INIT_BULK_THRESHOLD: u64 = 50_000;

fn default_bulk_threshold() -> u64 {
    DEFAULT_INIT_BULK_THRESHOLD
}

impl AppSettings {
    /// A new app with the defaults of the vendor guide.
    pub fn new(
        app: AppId,
        name: &str,
        environment: Environment,
        jing_app_id: &str,
        tenant: &str,
    ) -> Self {
        let objects = ObjectKind::ALL
            .into_iter()
            .map(|k| (k, ObjectSettings::defaults(k)))
            .collect();
        Self {
            app,
            revision: 0,
            name: name.to_owned(),
            department: None,
            enabled: true,
            environment,
            authorized: None,
            jing_app_id: jing_app_id.to_owned(),
            jing_tenant: tenant.to_owned(),
            objects,
            allocation: Allocation::default(),
            association_check: false,
            circuit_breaker: CircuitBreaker::default(),
            paused: Vec::new(),
            init: InitState::NotStarted,
            init_bulk_threshold: DEFAULT_INIT_BULK_THRESHOLD,
            admin_email: None,
            notify_errors: true,
            suppress_assignment_rules: true,
        }
    }

    pub fn object(&self, kind: ObjectKind) -> Option<&ObjectSettings> {
        self.objects.get(&kind).filter(|o| o.enabled)
    }

    /// Whether writes in this direction are allowed for the object (on, not paused).
    pub fn direction_open(&self, kind: ObjectKind, d: Direction) -> bool {
        self.enabled
            && self.object(kind).is_some_and(|o| o.rules(d).enabled())
            && !self
                .paused
                .iter()
                .any(|p| p.object == kind && p.direction == d)
    }

    /// Whether a direction is paused (circuit breaker, org change) awaiting an admin.
    pub fn is_paused(&self, kind: ObjectKind, d: Direction) -> bool {
        self.paused
            .iter()
            .any(|p| p.object == kind && p.direction == d)
    }

    /// Configuration is locked while initialization runs.
    pub fn locked(&self) -> bool {
        matches!(self.init, InitState::Running { .. })
    }
}
