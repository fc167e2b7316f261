//! The client's two hooks wired to the connector's ports, shared by every deployment (Lambda
//! and the embedded server): every call reserved in the app's daily quota counter before it is
//! made, and refreshed tokens saved to the vault (a rotated refresh token before it is used).

use crate::client::TokenSink;
use crate::error::SfError;
use crate::token::RefreshOutcome;
use crate::usage::CallBudget;
use app::ports::{Clock, QuotaStore, Reservation, SecretKind, TokenVault};
use async_trait::async_trait;
use domain::AppId;
use domain::datetime::JING_OFFSET;
use domain::quota::quota_day;
use std::sync::Arc;

/// Reserves every Salesforce call in the app's quota counter (atomic in every store), so
/// concurrent workers never overspend the daily allocation.
pub struct QuotaBudget {
    pub quota: Arc<dyn QuotaStore>,
    pub clock: Arc<dyn Clock>,
    pub app: AppId,
    pub allocation: u64,
}

#[async_trait]
impl CallBudget for QuotaBudget {
    async fn reserve(&self, calls: u32) -> Result<(), SfError> {
        let day = quota_day(self.clock.now(), JING_OFFSET);
        match self
            .quota
            .reserve(&self.app, day, u64::from(calls), self.allocation)
            .await
        {
            Ok(Reservation::Granted { .. }) => Ok(()),
            Ok(Reservation::Refused { used }) => Err(SfError::BudgetRefused {
                detail: format!("{used}/{} calls used today", self.allocation),
            }),
            // Without a counter we cannot promise to stay inside the budget: refuse.
            Err(e) => Err(SfError::BudgetRefused {
                detail: format!("quota store: {e}"),
            }),
        }
    }
}

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
