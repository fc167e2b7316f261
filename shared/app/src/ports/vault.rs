use super::StoreResult;
use async_trait::async_trait;
use domain::AppId;
use secrecy::SecretString;

/// Which secret of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    SfRefreshToken,
    SfAccessToken,
    JingAppSecret,
    JingTokens,
    WebhookToken,
    WebhookSigningSecret,
    /// The secret path segment of the app's Salesforce outbound-message URL.
    OutboundToken,
    /// PKCE verifier of a pending authorization (keyed by state).
    PkceVerifier,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SfRefreshToken => "sf_refresh_token",
            Self::SfAccessToken => "sf_access_token",
            Self::JingAppSecret => "jing_app_secret",
            Self::JingTokens => "jing_tokens",
            Self::WebhookToken => "webhook_token",
            Self::WebhookSigningSecret => "webhook_signing_secret",
            Self::OutboundToken => "outbound_token",
            Self::PkceVerifier => "pkce_verifier",
        }
    }
}

/// Secrets live here and nowhere else (never in settings, tables or logs).
#[async_trait]
pub trait TokenVault: Send + Sync {
    async fn put(&self, app: &AppId, kind: SecretKind, value: &SecretString) -> StoreResult<()>;
    async fn get(&self, app: &AppId, kind: SecretKind) -> StoreResult<Option<SecretString>>;
    /// Forget one secret (disconnect forgets the Salesforce tokens and keeps the rest).
    async fn remove(&self, app: &AppId, kind: SecretKind) -> StoreResult<()>;
    /// Forget every secret of an app (disconnect / delete).
    async fn purge(&self, app: &AppId) -> StoreResult<()>;
}
