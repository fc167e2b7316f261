//! Daily API counters: one item per app and day, reserved with a conditional atomic `ADD`, so
//! concurrent reservers can never push `used` past the allocation.

use super::{get_item, get_n, key, keys, n, ttl};
use crate::error::{code_of, store_error};
use app::ports::{QuotaStore, Reservation, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValue;
use domain::AppId;
use time::{Date, Duration, Time};

/// Counters are kept a week after their day (status page history), then expire.
const KEEP_DAYS: i64 = 7;

/// [`QuotaStore`]: `pk = {app}#quota`, `sk = YYYY-MM-DD`, counter `used`.
#[derive(Debug, Clone)]
pub struct DynamoQuotaStore {
    client: Client,
    table: String,
}

impl DynamoQuotaStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn add(
        &self,
        app: &AppId,
        day: Date,
        delta: i64,
        condition: &str,
        bound: i64,
    ) -> StoreResultAdd {
        let expires = day.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(KEEP_DAYS);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::quota_pk(app), keys::quota_sk(day))))
            .update_expression("ADD used :delta SET expires_at = :exp")
            .condition_expression(condition)
            .expression_attribute_values(":delta", n(delta))
            .expression_attribute_values(":bound", n(bound))
            .expression_attribute_values(":exp", ttl(expires))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match out {
            Ok(out) => {
                let attrs = out.attributes.unwrap_or_default();
                Ok(Some(get_n::<i64>(&attrs, "used")?.max(0) as u64))
            }
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => Ok(None),
            Err(e) => Err(store_error("UpdateItem quota", e)),
        }
    }
}

/// `Some(used after)` when the condition held, `None` when it did not.
type StoreResultAdd = StoreResult<Option<u64>>;

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl QuotaStore for DynamoQuotaStore {
    async fn reserve(
        &self,
        app: &AppId,
        day: Date,
        calls: u64,
        allocation: u64,
    ) -> StoreResult<Reservation> {
        if calls > allocation {
            // The condition below would pass on a missing counter; refuse before writing.
            return Ok(Reservation::Refused {
                used: self.used(app, day).await?,
            });
        }
        let limit_minus_n = signed(allocation - calls);
        let condition = "attribute_not_exists(used) OR used <= :bound";
        match self
            .add(app, day, signed(calls), condition, limit_minus_n)
            .await?
        {
            Some(used) => Ok(Reservation::Granted { used }),
            None => Ok(Reservation::Refused {
                used: self.used(app, day).await?,
            }),
        }
    }

    async fn release(&self, app: &AppId, day: Date, calls: u64) -> StoreResult<()> {
        let calls = signed(calls);
        if calls == 0 {
            return Ok(());
        }
        // Never below zero: when fewer calls are reserved than released, clamp to zero.
        if self
            .add(app, day, -calls, "used >= :bound", calls)
            .await?
            .is_none()
        {
            let used = signed(self.used(app, day).await?);
            if used > 0 {
                self.add(app, day, -used, "used = :bound", used).await?;
            }
        }
        Ok(())
    }

    async fn add_in_window(
        &self,
        app: &AppId,
        name: &str,
        bucket: i64,
        span: u32,
        counts: &[u64],
    ) -> StoreResult<Vec<u64>> {
        let at = (bucket, span);
        super::window::add_in_window(&self.client, &self.table, app, name, at, counts).await
    }

    async fn used(&self, app: &AppId, day: Date) -> StoreResult<u64> {
        let item = get_item(
            &self.client,
            &self.table,
            key(keys::quota_pk(app), keys::quota_sk(day)),
        )
        .await?;
        match item {
            Some(item) => Ok(get_n::<i64>(&item, "used")?.max(0) as u64),
            None => Ok(0),
        }
    }
}
