//! The decision log on the activity table: one partition per record
//! (`pk = {app}#decision#{object}#{record_key}`, time-ordered sort key), written 25 per
//! BatchWriteItem and expiring through TTL after `KEEP_FOR`. A read takes the newest
//! `KEEP_PER_RECORD` of the partition (older ones wait for TTL: DynamoDB has no cheap
//! "keep the last n", and a record rarely has more than a handful of decisions a month).

use super::{attr, from_body, keys, s, to_body, ttl};
use app::contract::semantics::newest_decisions;
use app::ports::{Decision, DecisionLog, KEEP_FOR, KEEP_PER_RECORD, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::{AppId, ObjectKind};
use time::OffsetDateTime;

/// [`DecisionLog`] on the activity table.
#[derive(Debug, Clone)]
pub struct DynamoDecisionLog {
    client: Client,
    table: String,
}

impl DynamoDecisionLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn item(d: &Decision, index: usize) -> StoreResult<super::Item> {
        let tiebreak = format!("{index:04}#{:016x}", rand::random::<u64>());
        let pk = keys::decision_pk(&d.app, d.object, &d.record_key);
        let mut item = super::key(pk, keys::time_sk(d.at, &tiebreak));
        item.insert(attr::BODY.into(), to_body(d)?);
        item.insert(attr::EXPIRES_AT.into(), ttl(d.at + KEEP_FOR));
        Ok(item)
    }
}

#[async_trait]
impl DecisionLog for DynamoDecisionLog {
    async fn record(&self, decisions: &[Decision]) -> StoreResult<()> {
        let items = decisions
            .iter()
            .enumerate()
            .map(|(i, d)| Self::item(d, i))
            .collect::<StoreResult<Vec<_>>>()?;
        super::batch_put(&self.client, &self.table, items).await
    }

    async fn for_record(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_keys: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Decision>> {
        let mut found = Vec::new();
        for key in record_keys {
            // Newest first, one page of at most KEEP_PER_RECORD items (TTL deletes lazily, so
            // expired items are dropped by `newest_decisions` too).
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk >= :since")
                .expression_attribute_values(":pk", s(keys::decision_pk(app, object, key)))
                .expression_attribute_values(":since", s(keys::time_sk(now - KEEP_FOR, "")))
                .scan_index_forward(false)
                .limit(KEEP_PER_RECORD as i32)
                .send()
                .await
                .map_err(|e| crate::error::store_error("Query decisions", e))?;
            let mut page: Vec<Decision> = out
                .items
                .unwrap_or_default()
                .iter()
                .map(from_body)
                .collect::<StoreResult<_>>()?;
            page.reverse();
            found.extend(page);
        }
        found.sort_by_key(|d| d.at);
        Ok(newest_decisions(found, now))
    }
}
