//! Record claims on the state table: `pk = {app}#claim`, `sk = {object}#{side}#{id}`, the
//! lease and the first claim in epoch milliseconds, a TTL a week on (a claim nobody finished
//! is only worth remembering while its change can still be redelivered).
//!
//! A group's records are claimed in two requests: a consistent BatchGetItem (which claims exist,
//! and whether their leases ended) and one TransactWriteItems setting every lease on condition
//! that nothing changed since. When a lease is live or another writer raced us, the records
//! are claimed one UpdateItem each, all in flight at once: it sets the lease when no live lease
//! exists (`ReturnValues: ALL_OLD` tells a fresh claim from a retried one) and fails its
//! condition when another writer holds the lease. Finishing is BatchWriteItem deletes, 25 per
//! call.

use super::{attr, batch_get, get_n, get_s, key, keys, n, ttl};
use crate::error::{code_of, corrupt, store_error};
use app::ports::{ClaimState, RecordClaims, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem, Update};
use domain::AppId;
use domain::datetime::epoch_millis;
use std::collections::{HashMap, HashSet};
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

    /// Claim distinct records in two requests whatever their number: one consistent
    /// BatchGetItem tells fresh records from retried ones, one TransactWriteItems claims them
    /// all on condition that nothing changed since. `None` when a lease is live or another
    /// writer raced us: the caller then claims one record at a time (and learns which are busy).
    async fn claim_batch(
        &self,
        app: &AppId,
        records: &[String],
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<Option<Vec<ClaimState>>> {
        let distinct: HashSet<&String> = records.iter().collect();
        if distinct.len() != records.len() {
            return Ok(None);
        }
        let keys = records
            .iter()
            .map(|r| key(keys::claim_pk(app), r.as_str()))
            .collect();
        let mut stored: HashMap<String, (i64, i64)> = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let lease = (get_n(&item, LEASE_UNTIL)?, get_n(&item, FIRST_AT)?);
            stored.insert(get_s(&item, attr::SK)?.to_owned(), lease);
        }
        let now_ms = epoch_millis(now);
        if stored.values().any(|(lease, _)| *lease > now_ms) {
            return Ok(None);
        }
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            let seen = stored.get(record).map(|(lease, _)| *lease);
            items.push(self.claim_item(app, record, now, until, seen)?);
        }
        let out = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match out {
            Ok(_) => Ok(Some(
                records
                    .iter()
                    .map(|r| match stored.get(r) {
                        None => ClaimState::Fresh,
                        Some((_, first)) => ClaimState::Retried {
                            first_at: from_millis(*first),
                        },
                    })
                    .collect(),
            )),
            Err(e) if code_of(&e) == Some("TransactionCanceledException") => Ok(None),
            Err(e) => Err(store_error("TransactWriteItems claims", e)),
        }
    }

    /// One claim of a transaction: the record is unclaimed (`seen: None`) or its ended lease is
    /// still the one we read.
    fn claim_item(
        &self,
        app: &AppId,
        record: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        seen: Option<i64>,
    ) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::claim_pk(app), record)))
            .update_expression(
                "SET #until = :until, #first = if_not_exists(#first, :now), #ttl = :ttl",
            )
            .expression_attribute_names("#until", LEASE_UNTIL)
            .expression_attribute_names("#first", FIRST_AT)
            .expression_attribute_names("#ttl", attr::EXPIRES_AT)
            .expression_attribute_values(":until", n(epoch_millis(until)))
            .expression_attribute_values(":now", n(epoch_millis(now)))
            .expression_attribute_values(":ttl", ttl(until + REMEMBER));
        let update = match seen {
            None => update.condition_expression("attribute_not_exists(pk)"),
            Some(lease) => update
                .condition_expression("#until = :seen")
                .expression_attribute_values(":seen", n(lease)),
        };
        let update = update.build().map_err(|e| corrupt("build Update", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
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
        let mut states = Vec::with_capacity(records.len());
        // A transaction holds at most 100 items.
        for chunk in records.chunks(100) {
            let batched = match chunk.len() {
                0 | 1 => None,
                _ => self.claim_batch(app, chunk, now, lease_until).await?,
            };
            match batched {
                Some(claimed) => states.extend(claimed),
                None => {
                    let calls = chunk
                        .iter()
                        .map(|r| self.claim_one(app, r, now, lease_until));
                    for state in futures::future::join_all(calls).await {
                        states.push(state?);
                    }
                }
            }
        }
        Ok(states)
    }

    async fn finish_records(&self, app: &AppId, records: &[String]) -> StoreResult<()> {
        let mut unique: Vec<&String> = records.iter().collect();
        unique.sort();
        unique.dedup();
        let items = unique
            .into_iter()
            .map(|r| key(keys::claim_pk(app), r.as_str()))
            .collect();
        super::batch_delete(&self.client, &self.table, items).await
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
