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

impl Environment {
    /// Why this login host may not be used, if it may not. Tokens and the deployment's consumer
    /// secret go to the login host, so only Salesforce's own hosts are allowed: production,
    /// sandbox, and https My Domain hosts (`*.my.salesforce.com`, which includes
    /// `*.sandbox.my.salesforce.com`). A custom host (a simulator) only where the deployment
    /// allows it.
    pub fn refusal(&self, allow_custom: bool) -> Option<String> {
        match self {
            Self::Production | Self::Sandbox => None,
            Self::MyDomain(host) if is_my_domain_host(host) => None,
            Self::MyDomain(host) => Some(format!(
                "{host:?} is not a My Domain host: give the bare host name ending in .my.salesforce.com (https is implied)"
            )),
            Self::Custom(_) if allow_custom => None,
            Self::Custom(url) => Some(format!(
                "custom login host {url:?} is not allowed in this deployment (use production, sandbox or a My Domain host)"
            )),
        }
    }
}

/// `acme.my.salesforce.com`, `acme--uat.sandbox.my.salesforce.com`: DNS labels of letters,
/// digits and `-`, no scheme, port, path or user info.
fn is_my_domain_host(host: &str) -> bool {
    let Some(name) = host.strip_suffix(".my.salesforce.com") else {
        return false;
    };
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
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
    /// A Salesforce external-ID field holding the JING id (e.g. `Jing_Id__c`): creates in
    /// Salesforce become upserts on it, so a create retried after an uncertain outcome can never
    /// make a second record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sf_external_id: Option<String>,
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
            sf_external_id: None,
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
    /// Share of the allocation kept for live changes (percent): an initialization stops
    /// spending at `100 - live_reserve_pct`% of it, so live edits keep flowing meanwhile.
    #[serde(default = "default_live_reserve_pct")]
    pub live_reserve_pct: u8,
}

fn default_live_reserve_pct() -> u8 {
    20
}

impl Allocation {
    /// The largest share of the allocation an initialization may spend (percent).
    pub fn initialization_share_pct(&self) -> u8 {
        100 - self.live_reserve_pct.min(100)
    }

    /// What an initialization may spend of `allocated` calls (the allocation in force).
    pub fn initialization_cap(&self, allocated: u64) -> u64 {
        allocated * u64::from(self.initialization_share_pct()) / 100
    }
}

impl Default for Allocation {
    fn default() -> Self {
        Self {
            daily: 15_000,
            max_org_share_pct: 50,
            live_reserve_pct: default_live_reserve_pct(),
        }
    }
}

/// Circuit breaker thresholds, counted over a rolling window per object and direction (across
/// batches and workers): more than `share_pct`% of the object's bound records deleted or blanked,
/// or more than `overwrite_share_pct`% overwritten (a non-empty value replaced by another), and
/// at least `min_records` of them, pauses the direction and holds the changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    pub share_pct: u8,
    #[serde(default = "default_overwrite_share_pct")]
    pub overwrite_share_pct: u8,
    pub min_records: u64,
    #[serde(default = "default_window_minutes")]
    pub window_minutes: u32,
}

/// High on purpose: ordinary surges (the catch-up after an initialization, a busy campaign)
/// overwrite most of a small object's records; a mass overwrite by mistake touches nearly all.
fn default_overwrite_share_pct() -> u8 {
    90
}

fn default_window_minutes() -> u32 {
    60
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self {
            share_pct: 20,
            overwrite_share_pct: default_overwrite_share_pct(),
            min_records: 50,
            window_minutes: default_window_minutes(),
        }
    }
}

/// Automatic member matching (成员): when it runs besides connecting, and what it does with
/// users no employee matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSync {
    /// Match new users on the poll schedule at most this often (each run lists the users: one
    /// Salesforce call). 0 = on every poll run.
    pub every_minutes: u32,
    /// Create a JING member for every active user no employee matches (the vendor guide's
    /// "create as new member", done automatically).
    pub create_unmatched: bool,
}

impl Default for MemberSync {
    fn default() -> Self {
        Self {
            every_minutes: 360,
            create_unmatched: false,
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
    /// The org this app belongs to, from its first authorization on. Kept when the app is
    /// disconnected, so a reconnect into another org (or a refreshed sandbox) is refused.
    #[serde(default)]
    pub bound_org: Option<SfId>,
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
    pub member_sync: MemberSync,
    #[serde(default)]
    pub paused: Vec<Pause>,
    #[serde(default)]
    pub init: InitState,
    /// Initialization reads an object over Bulk API 2.0 when its estimated record count is above
    /// this (fewer calls for big sets); at or below it, REST query pages of 2,000.
    #[serde(default = "default_bulk_threshold")]
    pub init_bulk_threshold: u64,
    /// Initialization creates of JING records in Salesforce go through Bulk API 2.0 ingest jobs
    /// when at least this many of an object are staged (a job costs about six calls whatever
    /// its size); fewer go through sObject Collections (one call per 200). 0: never.
    #[serde(default = "default_ingest_threshold")]
    pub init_ingest_threshold: u64,
    /// Error digests go here; on by default.
    #[serde(default)]
    pub admin_email: Option<String>,
    #[serde(default = "yes")]
    pub notify_errors: bool,
    /// Send `Sforce-Auto-Assign: FALSE` on lead writes (assignment rules off).
    #[serde(default = "yes")]
    pub suppress_assignment_rules: bool,
    /// Verify mode of outbound messages: a message only says which records changed, and their
    /// current values are read back from Salesforce (one query per message and object, from
    /// the app's allocation) instead of trusting the values it carries. Off by default; see
    /// `capture::verify`.
    #[serde(default)]
    pub verify_outbound: bool,
    /// Where a JING record opens in a browser: a URL with `{object}` (lead, account,
    /// opportunity, member) and `{id}` (the JING id) in it. None: records link to Salesforce
    /// only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jing_record_url: Option<String>,
}

fn yes() -> bool {
    true
}

/// Default of [`AppSettings::init_bulk_threshold`].
pub const DEFAULT_INIT_BULK_THRESHOLD: u64 = 50_000;

fn default_bulk_threshold() -> u64 {
    DEFAULT_INIT_BULK_THRESHOLD
}

/// Default of [`AppSettings::init_ingest_threshold`]: past 2,000 records a job is cheaper than
/// ten collections calls.
pub const DEFAULT_INIT_INGEST_THRESHOLD: u64 = 2_000;

fn default_ingest_threshold() -> u64 {
    DEFAULT_INIT_INGEST_THRESHOLD
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
            bound_org: None,
            jing_app_id: jing_app_id.to_owned(),
            jing_tenant: tenant.to_owned(),
            objects,
            allocation: Allocation::default(),
            association_check: false,
            circuit_breaker: CircuitBreaker::default(),
            member_sync: MemberSync::default(),
            paused: Vec::new(),
            init: InitState::NotStarted,
            init_bulk_threshold: DEFAULT_INIT_BULK_THRESHOLD,
            init_ingest_threshold: DEFAULT_INIT_INGEST_THRESHOLD,
            admin_email: None,
            notify_errors: true,
            suppress_assignment_rules: true,
            verify_outbound: false,
            jing_record_url: None,
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

    /// The org the app belongs to (set at its first authorization, kept across disconnects).
    pub fn org(&self) -> Option<&SfId> {
        self.bound_org
            .as_ref()
            .or(self.authorized.as_ref().map(|a| &a.org_id))
    }

    /// Configuration is locked while initialization runs.
    pub fn locked(&self) -> bool {
        matches!(self.init, InitState::Running { .. })
    }
}

#[cfg(test)]
mod login_host_tests {
    use super::Environment;

    #[test]
    fn only_salesforce_login_hosts_are_allowed_by_default() {
        let ok = |e: Environment| assert_eq!(e.refusal(false), None, "{e:?}");
        let refused = |e: Environment| assert!(e.refusal(false).is_some(), "{e:?}");
        ok(Environment::Production);
        ok(Environment::Sandbox);
        ok(Environment::MyDomain("acme.my.salesforce.com".into()));
        ok(Environment::MyDomain(
            "acme--uat.sandbox.my.salesforce.com".into(),
        ));
        for bad in [
            "http://acme.my.salesforce.com",
            "https://acme.my.salesforce.com",
            "acme.my.salesforce.com:8443",
            "acme.my.salesforce.com/x",
            "evil.example.com",
            "my.salesforce.com",
            "acme.my.salesforce.com.evil.example",
            "user@acme.my.salesforce.com",
            "",
        ] {
            refused(Environment::MyDomain(bad.into()));
        }
        refused(Environment::Custom("http://127.0.0.1:9999".into()));
        assert_eq!(
            Environment::Custom("http://127.0.0.1:9999".into()).refusal(true),
            None,
            "allowed where the deployment enables custom hosts"
        );
    }
}
