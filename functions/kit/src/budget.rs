//! Every Salesforce call is reserved in the app's daily quota counter (DynamoDB) before it is
//! made, so concurrent containers never overspend the allocation.

use app::ports::{Clock, QuotaStore, Reservation};
use async_trait::async_trait;
use aws::Adapters;
use domain::AppId;
use domain::datetime::JING_OFFSET;
use domain::quota::quota_day;
use salesforce::{CallBudget, SfError};
use std::sync::Arc;

pub struct QuotaBudget {
    pub adapters: Arc<Adapters>,
    pub clock: Arc<dyn Clock>,
    pub app: AppId,
    pub allocation: u64,
}

#[async_trait]
impl CallBudget for QuotaBudget {
    async fn reserve(&self, calls: u32) -> Result<(), SfError> {
        let day = quota_day(self.clock.now(), JING_OFFSET);
        match self
            .adapters
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
