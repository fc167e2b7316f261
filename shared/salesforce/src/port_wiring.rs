//! The client's two hooks wired to the connector's ports, shared by every deployment (Lambda
//! and the embedded server): every call reserved in the app's daily quota counter before it is
//! made ([`QuotaBudget`], capped by the org's remaining calls), and refreshed tokens saved to
//! the vault (a rotated refresh token before it is used).

use crate::client::TokenSink;
use crate::error::SfError;
use crate::token::RefreshOutcome;
use app::ports::{SecretKind, SettingsStore, TokenVault};
use async_trait::async_trait;
use domain::{AppId, SfId};
use std::sync::Arc;

pub use crate::port_budget::{BudgetStores, QuotaBudget};

/// Checks the org of refreshed tokens, then saves them to the vault. A refresh that answers for
/// another org (a refreshed sandbox, a different org behind the same login) is refused before
/// anything is saved or sent: the call that needed it fails with [`SfError::OrgChanged`], and
/// every direction of the app is paused through `SettingsStore::pause` (which never rewrites the
/// settings: the writer that refreshes tokens has no write access to them on AWS).
pub struct VaultTokenSink {
    pub vault: Arc<dyn TokenVault>,
    pub app: AppId,
    pub settings: Arc<dyn SettingsStore>,
    /// The org the app belongs to (`AppSettings::org`), when known.
    pub org: Option<SfId>,
}

/// The org id of an identity URL (`https://login.salesforce.com/id/{org}/{user}`).
pub fn org_of_identity_url(id_url: &str) -> Option<SfId> {
    let rest = id_url.split("/id/").nth(1)?;
    SfId::parse(rest.split('/').next()?).ok()
}

impl VaultTokenSink {
    /// `Err` when the tokens are another org's (after pausing the app).
    async fn check_org(&self, id_url: &str) -> Result<(), SfError> {
        let (Some(expected), Some(got)) = (&self.org, org_of_identity_url(id_url)) else {
            return Ok(());
        };
        if expected.id15() == got.id15() {
            return Ok(());
        }
        tracing::error!(app_id = %self.app, "A token refresh answered for another org; tokens refused, the app is paused.");
        if let Err(e) = app::connect::check_org(self.settings.as_ref(), &self.app, &got).await {
            tracing::warn!(app_id = %self.app, error = %e, "Could not record the pause; the tokens stay refused.");
        }
        Err(SfError::OrgChanged {
            expected: expected.clone(),
            got,
        })
    }
}

#[async_trait]
impl TokenSink for VaultTokenSink {
    async fn tokens_refreshed(&self, outcome: &RefreshOutcome) -> Result<(), SfError> {
        let t = &outcome.tokens;
        self.check_org(&t.id_url).await?;
        if let Err(e) = self
            .vault
            .put(&self.app, SecretKind::SfAccessToken, &t.access_token)
            .await
        {
            tracing::error!(app_id = %self.app, error = %e, "Could not save the access token.");
        }
        if let (true, Some(rt)) = (outcome.rotated, &t.refresh_token)
            && let Err(e) = self
                .vault
                .put(&self.app, SecretKind::SfRefreshToken, rt)
                .await
        {
            tracing::error!(app_id = %self.app, error = %e, "Could not save the rotated refresh token.");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_org_is_read_from_the_identity_url() {
        let org = super::org_of_identity_url(
            "https://login.salesforce.com/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV",
        );
        assert_eq!(
            org.map(|o| o.id15().to_owned()),
            Some("00D5g000004ABCD".into())
        );
        assert!(super::org_of_identity_url("https://x.example/other").is_none());
        assert!(super::org_of_identity_url("").is_none());
    }
}
