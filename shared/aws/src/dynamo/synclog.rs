//! The sync log (成功列表) on the activity table: the last successful sync per record
//! (`pk = {app}#synced`, `sk = {object}#{record_key}`), overwritten on every sync, so the
//! partition is bounded by the number of records, with a time-ordered `by_time` index entry.

use super::errors::{parse_object, parse_time, rfc3339};
use super::{BY_TIME_INDEX, Item, get_s, key, keys, query_all, s};
use crate::error::store_error;
use app::contract::semantics::{matches_search, paginate};
use app::ports::{ListQuery, Page, StoreResult, SyncLog, SyncedRecord};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::{AppId, ObjectKind};
use std::collections::BTreeMap;

/// [`SyncLog`] on the activity table.
#[derive(Debug, Clone)]
pub struct DynamoSyncLog {
    client: Client,
    table: String,
}

impl DynamoSyncLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn decode(app: &AppId, item: &Item) -> StoreResult<SyncedRecord> {
        Ok(SyncedRecord {
            app: app.clone(),
            object: parse_object(item)?,
            record_key: get_s(item, "record_key")?.to_owned(),
            name: get_s(item, "name")?.to_owned(),
            synced_at: parse_time(item, "synced_at")?,
        })
    }

    fn item(rec: &SyncedRecord) -> StoreResult<Item> {
        let sk = keys::record_sk(rec.object, &rec.record_key);
        let mut item = key(keys::synced_pk(&rec.app), &sk);
        item.insert("object".into(), s(rec.object.as_str()));
        item.insert("record_key".into(), s(&rec.record_key));
        item.insert("name".into(), s(&rec.name));
        item.insert("synced_at".into(), s(rfc3339(rec.synced_at)?));
        item.insert(super::attr::GSI1_PK.into(), s(keys::synced_pk(&rec.app)));
        item.insert(
            super::attr::GSI1_SK.into(),
            s(keys::time_sk(rec.synced_at, &sk)),
        );
        Ok(item)
    }

    /// Every entry of an app, most recent first (read from the time index, newest first).
    async fn all(&self, app: &AppId) -> StoreResult<Vec<SyncedRecord>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_TIME_INDEX)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::synced_pk(app)))
            .scan_index_forward(false);
        query_all(query)
            .await?
            .iter()
            .map(|i| Self::decode(app, i))
            .collect()
    }
}

#[async_trait]
impl SyncLog for DynamoSyncLog {
    async fn record(&self, rec: &SyncedRecord) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(rec)?))
            .send()
            .await
            .map_err(|e| store_error("PutItem synced", e))?;
        Ok(())
    }

    /// One BatchWriteItem per 25 records (the last entry of a record wins).
    async fn record_all(&self, recs: &[SyncedRecord]) -> StoreResult<()> {
        let mut latest: BTreeMap<(&AppId, String), &SyncedRecord> = BTreeMap::new();
        for rec in recs {
            latest.insert(
                (&rec.app, keys::record_sk(rec.object, &rec.record_key)),
                rec,
            );
        }
        let items = latest
            .into_values()
            .map(Self::item)
            .collect::<StoreResult<Vec<_>>>()?;
        super::batch_put(&self.client, &self.table, items).await
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<SyncedRecord>> {
        let matching = self
            .all(app)
            .await?
            .into_iter()
            .filter(|r| q.object.is_none_or(|o| o == r.object))
            .filter(|r| matches_search(q, &[&r.name, &r.record_key]))
            .collect();
        Ok(paginate(matching, q))
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .projection_expression("#object")
            .expression_attribute_names("#object", "object")
            .expression_attribute_values(":pk", s(keys::synced_pk(app)));
        let mut counts = BTreeMap::new();
        for item in query_all(query).await? {
            *counts.entry(parse_object(&item)?).or_insert(0) += 1;
        }
        Ok(counts.into_iter().collect())
    }
}
