//! Record claims on the state table: `pk = {app}#claim`, `sk = {object}#{side}#{id}`, the
//! lease and the first claim in epoch milliseconds, a TTL a week on (a claim nobody finished
//! is only worth remembering while its change can still be redelivered).
//!
//! A claim is one UpdateItem per record, all of a batch in flight at once: it sets the lease
//! when no live lease exists (`ReturnValues: ALL_OLD` tells a fresh claim from a retried one)
//! and fails its condition when another writer holds the lease. Finishing is BatchWriteItem
//! deletes, 25 per call.

use super::{Item, attr, get_n, key, keys, n, ttl};
use crate::error::{code_of, corrupt, store_error};
use app::ports::{ClaimState, RecordClaims, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{DeleteRequest, ReturnValue, WriteRequest};
use domain::AppId;
use domain::datetime::epoch_millis;
use time::{Duration, OffsetDateTime};

const LEASE_UNTIL: &str = "lease_until_ms";
const FIRST_AT: &str = "first_at_ms";
/// How long a claim is remembered after its lease.
const REMEMBER: Duration = Duration::days(7);

#[derive(Debug, Clone)]
pub struct DynamoRecordClaims {
    client: Client,
    table: String,
}

fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl DynamoRecordClaims {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn claim_one(
        &self,
        app: &AppId,
        record: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<ClaimState> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::claim_pk(app), record)))
            .update_expression(
                "SET #until = :until, #first = if_not_exists(#first, :now), #ttl = :ttl",
            )
            .condition_expression("attribute_not_exists(pk) OR #until <= :now")
            .expression_attribute_names("#until", LEASE_UNTIL)
            .expression_attribute_names("#first", FIRST_AT)
            .expression_attribute_names("#ttl", attr::EXPIRES_AT)
            .expression_attribute_values(":until", n(epoch_millis(until)))
            .expression_attribute_values(":now", n(epoch_millis(now)))
            .expression_attribute_values(":ttl", ttl(until + REMEMBER))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match out {
            Ok(o) => match o.attributes.filter(|a| !a.is_empty()) {
                None => Ok(ClaimState::Fresh),
                Some(old) => Ok(ClaimState::Retried {
                    first_at: from_millis(get_n(&old, FIRST_AT)?),
                }),
            },
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => {
                Ok(ClaimState::Busy)
            }
            Err(e) => Err(store_error("UpdateItem claim", e)),
        }
    }

    async fn release_one(&self, app: &AppId, record: &str, now: OffsetDateTime) -> StoreResult<()> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::claim_pk(app), record)))
            .update_expression("SET #until = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#until", LEASE_UNTIL)
            .expression_attribute_values(":now", n(epoch_millis(now)))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            // Finished meanwhile (or never claimed): nothing to release.
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => Ok(()),
            Err(e) => Err(store_error("UpdateItem release", e)),
        }
    }

    async fn delete(&self, items: Vec<Item>) -> StoreResult<()> {
        for chunk in items.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|k| {
                    DeleteRequest::builder()
                        .set_key(Some(k.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| corrupt("build DeleteRequest", e))
                })
                .collect::<StoreResult<_>>()?;
            for _attempt in 0..5 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| store_error("BatchWriteItem claims", e))?;
                requests = out
                    .unprocessed_items
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(format!(
                    "BatchWriteItem: {} claims not finished",
                    requests.len()
                )));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl RecordClaims for DynamoRecordClaims {
    async fn claim_records(
        &self,
        app: &AppId,
        records: &[String],
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> StoreResult<Vec<ClaimState>> {
        let calls = records
            .iter()
            .map(|r| self.claim_one(app, r, now, lease_until));
        futures::future::join_all(calls).await.into_iter().collect()
    }

    async fn finish_records(&self, app: &AppId, records: &[String]) -> StoreResult<()> {
        let mut unique: Vec<&String> = records.iter().collect();
        unique.sort();
        unique.dedup();
        let items = unique
            .into_iter()
            .map(|r| key(keys::claim_pk(app), r.as_str()))
            .collect();
        self.delete(items).await
    }

    async fn release_records(
        &self,
        app: &AppId,
        records: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let calls = records.iter().map(|r| self.release_one(app, r, now));
        futures::future::join_all(calls)
            .await
            .into_iter()
            .collect::<StoreResult<Vec<()>>>()?;
        Ok(())
    }
}
