//! Where an app's remote clients come from: one place builds the Salesforce and JING clients of
//! a connected app (tokens from the vault, the quota budget, the JING app secret) for every
//! deployment, and hands out the Salesforce OAuth flow.

use super::{JingPort, SalesforcePort, SfAuth, StoreError};
use crate::settings::AppSettings;
use async_trait::async_trait;
use domain::AppId;
use std::sync::Arc;

/// The two remote systems of one connected app.
#[derive(Clone)]
pub struct AppClients {
    pub sf: Arc<dyn SalesforcePort>,
    pub jing: Arc<dyn JingPort>,
}

/// Why an app's clients cannot be built; each variant says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientsError {
    /// Authorize the app first; its changes wait meanwhile.
    #[error("app {0} is not connected to Salesforce (run the authorization first)")]
    NotConnected(AppId),
    /// Give the app its JING app secret (PATCH the app with `jing_app_secret`).
    #[error("app {0} has no JING app secret")]
    NoJingSecret(AppId),
    /// The vault is unreachable: retry later.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The JING client could not be built from the app's settings: fix them.
    #[error("JING client: {0}")]
    Jing(String),
}

impl ClientsError {
    /// Whether waiting (without an admin) can make the clients available.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Store(_))
    }
}

/// The clients of connected apps, and the OAuth flow that connects them.
#[async_trait]
pub trait Connections: Send + Sync {
    /// The clients of a connected app. Implementations may cache them per app and settings
    /// revision (a JING token lives as long as its expiry, not one request).
    async fn clients(&self, settings: &AppSettings) -> Result<AppClients, ClientsError>;
    /// Forget what is cached for an app (disconnect, delete, new secrets).
    fn forget(&self, app: &AppId);
    /// The Salesforce OAuth 2.0 web-server flow.
    fn auth(&self) -> Arc<dyn SfAuth>;
}
