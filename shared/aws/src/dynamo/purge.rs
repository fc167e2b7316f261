//! Deleting an app ([`AppData`]) from the DynamoDB tables: every partition of the app is read
//! (keys only) and deleted 25 items per BatchWriteItem. The journal has one partition per
//! record (and so has the decision log), so their partitions are found with a filtered Scan of the activity table (deleting
//! an app is rare; the scan reads the table once). Delivery claims in the state table hold no
//! record data and expire through TTL within 48 hours.

use super::{Item, attr, get_s, keys, query_all, s};
use crate::config::Tables;
use crate::error::{corrupt, store_error};
use app::ports::{AppData, Purged, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use domain::{AppId, ObjectKind, Side};

/// [`AppData`] over the four tables (the apps table is the caller's: settings go last).
#[derive(Debug, Clone)]
pub struct DynamoAppData {
    client: Client,
    tables: Tables,
}

impl DynamoAppData {
    pub fn new(client: Client, tables: Tables) -> Self {
        Self { client, tables }
    }

    /// Delete every item of one partition; returns how many.
    async fn partition(&self, table: &str, pk: &str) -> StoreResult<u64> {
        let query = self
            .client
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk))
            .projection_expression("pk, sk")
            .consistent_read(true);
        let items = query_all(query).await?;
        self.delete(table, items).await
    }

    /// The per-record partitions of the app whose keys start with `{app}#{kind}#` (the
    /// journal, the decision log).
    async fn record_partitions(&self, app: &AppId, kind: &str) -> StoreResult<Vec<String>> {
        let prefix = format!("{app}#{kind}#");
        let mut pks = std::collections::BTreeSet::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.tables.activity)
                .filter_expression("begins_with(pk, :p)")
                .expression_attribute_values(":p", s(&prefix))
                .projection_expression("pk")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Scan", e))?;
            for item in out.items.unwrap_or_default() {
                pks.insert(get_s(&item, attr::PK)?.to_owned());
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(pks.into_iter().collect()),
            }
        }
    }

    async fn delete(&self, table: &str, items: Vec<Item>) -> StoreResult<u64> {
        let total = items.len() as u64;
        for chunk in items.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|key| {
                    let key = key
                        .iter()
                        .filter(|(k, _)| *k == attr::PK || *k == attr::SK)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    let delete = DeleteRequest::builder().set_key(Some(key)).build();
                    delete
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| corrupt("build DeleteRequest", e))
                })
                .collect::<StoreResult<_>>()?;
            for _attempt in 0..5 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(table, requests)
                    .send()
                    .await
                    .map_err(|e| store_error("BatchWriteItem", e))?;
                requests = out
                    .unprocessed_items
                    .unwrap_or_default()
                    .remove(table)
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(app::ports::StoreError::Unavailable(format!(
                    "BatchWriteItem: {} deletes still unprocessed; delete the app again",
                    requests.len()
                )));
            }
        }
        Ok(total)
    }
}

#[async_trait]
impl AppData for DynamoAppData {
    async fn purge(&self, app: &AppId) -> StoreResult<Purged> {
        let t = &self.tables;
        let mut purged = Purged::default();
        for object in ObjectKind::ALL {
            for side in [Side::Salesforce, Side::Jing] {
                let pk = keys::binding_pk(app, object, side);
                let n = self.partition(&t.bindings, &pk).await?;
                if side == Side::Salesforce {
                    purged.bindings += n;
                }
            }
            self.partition(&t.bindings, &keys::binding_count_pk(app, object))
                .await?;
        }
        purged.errors = self.partition(&t.activity, &keys::error_pk(app)).await?;
        purged.synced = self.partition(&t.activity, &keys::synced_pk(app)).await?;
        purged.ledger = self.partition(&t.activity, &keys::conflict_pk(app)).await?;
        for pk in self.record_partitions(app, "journal").await? {
            purged.ledger += self.partition(&t.activity, &pk).await?;
        }
        for pk in self.record_partitions(app, "decision").await? {
            purged.decisions += self.partition(&t.activity, &pk).await?;
        }
        purged.parked = self.partition(&t.state, &keys::parked_pk(app)).await?;
        purged.state = self.partition(&t.state, &keys::cursor_pk(app)).await?
            + self.partition(&t.state, &keys::quota_pk(app)).await?
            + self.partition(&t.state, &keys::claim_pk(app)).await?;
        Ok(purged)
    }
}
