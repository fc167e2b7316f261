//! The client's two hooks wired to the connector's ports, shared by every deployment (Lambda
//! and the embedded server): every call reserved in the app's daily quota counter before it is
//! made ([`QuotaBudget`], capped by the org's remaining calls), and refreshed tokens saved to
//! the vault (a rotated refresh token before it is used).

use crate::client::TokenSink;
use crate::token::RefreshOutcome;
use app::ports::{SecretKind, TokenVault};
use async_trait::async_trait;
use domain::AppId;
use std::sync::Arc;

pub use crate::port_budget::{BudgetStores, QuotaBudget};

/// Saves refreshed tokens to the vault.
pub struct VaultTokenSink {
    pub vault: Arc<dyn TokenVault>,
    pub app: AppId,
}

#[async_trait]
impl TokenSink for VaultTokenSink {
    async fn tokens_refreshed(&self, outcome: &RefreshOutcome) {
        let t = &outcome.tokens;
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
    }
}
