//! The push endpoints' credentials of an app: the JING webhook URL token and signing secret,
//! and the Salesforce outbound-message URL token. Generated when the app is installed, shown in
//! the setup section, rotatable; kept in the vault only.

use crate::{AdminError, Edge};
use app::ports::SecretKind;
use base64::Engine;
use domain::AppId;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// 192 random bits, URL-safe (a path segment).
fn token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Which endpoint's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// JING webhooks: URL token and signing secret.
    Webhook,
    /// Salesforce outbound messages: URL token.
    Outbound,
}

impl Endpoint {
    fn kinds(self) -> &'static [SecretKind] {
        match self {
            Self::Webhook => &[SecretKind::WebhookToken, SecretKind::WebhookSigningSecret],
            Self::Outbound => &[SecretKind::OutboundToken],
        }
    }
}

/// Generate every credential of a new app.
pub async fn create(st: &Edge, app: &AppId) -> Result<(), AdminError> {
    rotate(st, app, Endpoint::Webhook).await?;
    rotate(st, app, Endpoint::Outbound).await
}

/// Replace an endpoint's credentials: the old ones stop working at once (register the new URL
/// and secret in Salesforce or JING right after).
pub async fn rotate(st: &Edge, app: &AppId, endpoint: Endpoint) -> Result<(), AdminError> {
    for kind in endpoint.kinds() {
        st.vault
            .put(app, *kind, &SecretString::from(token()))
            .await?;
    }
    tracing::info!(app_id = %app, ?endpoint, "Endpoint credentials generated.");
    Ok(())
}

/// One credential as text, for the setup section (behind the admin token).
pub async fn read(st: &Edge, app: &AppId, kind: SecretKind) -> Result<Option<String>, AdminError> {
    Ok(st
        .vault
        .get(app, kind)
        .await?
        .map(|s| s.expose_secret().to_owned()))
}
