//! [`Edge`]: what every handler and job of one deployment works on — its ports, the remote
//! clients of connected apps, the admin token and the deployment's options.

use crate::AdminError;
use app::ports::{AppClients, ClientsError, Connections, Ports};
use app::settings::AppSettings;
use secrecy::SecretString;
use std::ops::Deref;
use std::sync::Arc;

/// How a deployment is set up (what the edge cannot learn from its stores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeOptions {
    /// The connector's public base URL: the OAuth callback, outbound-message and webhook URLs
    /// shown to the admin are built from it.
    pub public_url: String,
    /// Apps may name a custom Salesforce login host (simulators, tests). Off in production.
    pub allow_custom_login_host: bool,
    /// While changes are parked because the app's share of the org is spent, the org's usage
    /// is read again (one `/limits` call) at most this often.
    pub org_probe_every: std::time::Duration,
    /// The longest a dry run may read (it answers a partial report, `complete: false`, when
    /// the time is spent). On AWS it must end well within API Gateway's 29 s.
    pub dry_run_budget: std::time::Duration,
}

/// Default of [`EdgeOptions::org_probe_every`].
pub const ORG_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
/// [`EdgeOptions::dry_run_budget`] behind API Gateway (29 s less loading, saving and answering).
pub const DRY_RUN_BUDGET_GATEWAY: std::time::Duration = std::time::Duration::from_secs(20);
/// [`EdgeOptions::dry_run_budget`] on one machine: no gateway, a larger sample.
pub const DRY_RUN_BUDGET_SERVE: std::time::Duration = std::time::Duration::from_secs(120);

impl EdgeOptions {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

/// One deployment's edge. Cloning is cheap (everything is shared).
#[derive(Clone)]
pub struct Edge {
    pub ports: Ports,
    pub connections: Arc<dyn Connections>,
    /// The bearer token every admin API call must carry (never logged).
    pub admin_token: SecretString,
    pub options: EdgeOptions,
    /// The work loop's heartbeat (one machine); `/healthz` reads it.
    pub health: Arc<crate::health::Health>,
    /// Notified when the intake queued changes: a waiting work loop starts at once.
    pub queued: Arc<tokio::sync::Notify>,
    pub(crate) marks: Arc<crate::setup::Marks>,
    /// The intake's short-lived copy of each app's settings (cleared by every admin change).
    pub(crate) intake_settings: Arc<crate::intake::settings_cache::SettingsCache>,
}

impl Deref for Edge {
    type Target = Ports;
    fn deref(&self) -> &Ports {
        &self.ports
    }
}

impl Edge {
    pub fn new(
        ports: Ports,
        connections: Arc<dyn Connections>,
        admin_token: SecretString,
        options: EdgeOptions,
    ) -> Self {
        Self {
            ports,
            connections,
            admin_token,
            options,
            health: Arc::default(),
            queued: Arc::default(),
            marks: Arc::default(),
            intake_settings: Arc::default(),
        }
    }

    /// The clients of a connected app, or why there are none (409 not connected / no JING
    /// secret; 503 store unavailable).
    pub async fn clients(&self, settings: &AppSettings) -> Result<AppClients, AdminError> {
        self.connections
            .clients(settings)
            .await
            .map_err(|e| match e {
                ClientsError::Store(s) => s.into(),
                other => AdminError::NotConnected(other.to_string()),
            })
    }
}
