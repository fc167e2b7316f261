//! Error records (失败列表) on the activity table: one item per failing record
//! (`pk = {app}#error`, `sk = {object}#{record_key}`), bumped with one atomic UpdateItem. The
//! `by_time` index (`gsi1pk = {app}#error`, `gsi1sk = last_seen`) serves the digest's "errors
//! since" query without reading older errors.

use super::{BY_TIME_INDEX, Item, get_item, get_n, get_s, key, keys, n, query_all, s};
use crate::error::{corrupt, store_error};
use app::contract::semantics::{matches_search, paginate};
use app::ports::{ErrorRecord, ErrorStore, ListQuery, Page, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::{AppId, Category, ObjectKind, SyncError};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// [`ErrorStore`] on the activity table.
#[derive(Debug, Clone)]
pub struct DynamoErrorStore {
    client: Client,
    table: String,
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> StoreResult<String> {
    at.format(&Rfc3339).map_err(|e| corrupt("format time", e))
}

pub(crate) fn parse_time(item: &Item, name: &str) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::parse(get_s(item, name)?, &Rfc3339).map_err(|e| corrupt(name, e))
}

pub(crate) fn parse_object(item: &Item) -> StoreResult<ObjectKind> {
    let raw = get_s(item, "object")?;
    ObjectKind::parse(raw).ok_or_else(|| corrupt("object", raw))
}

impl DynamoErrorStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn decode(app: &AppId, item: &Item) -> StoreResult<ErrorRecord> {
        let error: SyncError =
            serde_json::from_str(get_s(item, "error")?).map_err(|e| corrupt("error", e))?;
        Ok(ErrorRecord {
            app: app.clone(),
            object: parse_object(item)?,
            record_key: get_s(item, "record_key")?.to_owned(),
            name: get_s(item, "name")?.to_owned(),
            error,
            count: get_n(item, "count")?,
            first_seen: parse_time(item, "first_seen")?,
            last_seen: parse_time(item, "last_seen")?,
            change: match item.get("change_json").and_then(|v| v.as_s().ok()) {
                Some(raw) => serde_json::from_str(raw).map_err(|e| corrupt("change", e))?,
                None => None,
            },
        })
    }

    /// The whole error partition of an app, newest first.
    async fn all(&self, app: &AppId) -> StoreResult<Vec<ErrorRecord>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::error_pk(app)));
        let mut records = query_all(query)
            .await?
            .iter()
            .map(|i| Self::decode(app, i))
            .collect::<StoreResult<Vec<_>>>()?;
        records.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then_with(|| a.record_key.cmp(&b.record_key))
        });
        Ok(records)
    }
}

#[async_trait]
impl ErrorStore for DynamoErrorStore {
    async fn record(&self, err: &ErrorRecord) -> StoreResult<()> {
        let sk = keys::record_sk(err.object, &err.record_key);
        let error = serde_json::to_string(&err.error).map_err(|e| corrupt("encode error", e))?;
        let change = serde_json::to_string(&err.change).map_err(|e| corrupt("encode change", e))?;
        // A new record starts at the caller's count (at least 1); an existing one goes up by one.
        let start = err.count.max(1) - 1;
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::error_pk(&err.app), &sk)))
            .update_expression(
                "SET #name = :name, #error = :error, category = :category, #object = :object, \
                 record_key = :key, last_seen = :last, first_seen = if_not_exists(first_seen, :first), \
                 #count = if_not_exists(#count, :start) + :one, gsi1pk = :gpk, gsi1sk = :gsk, \
                 change_json = :change",
            )
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#error", "error")
            .expression_attribute_names("#object", "object")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":name", s(&err.name))
            .expression_attribute_values(":error", s(error))
            .expression_attribute_values(":category", s(category_str(err.error.category())?))
            .expression_attribute_values(":object", s(err.object.as_str()))
            .expression_attribute_values(":key", s(&err.record_key))
            .expression_attribute_values(":last", s(rfc3339(err.last_seen)?))
            .expression_attribute_values(":first", s(rfc3339(err.first_seen)?))
            .expression_attribute_values(":start", n(start))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":change", s(change))
            .expression_attribute_values(":gpk", s(keys::error_pk(&err.app)))
            .expression_attribute_values(":gsk", s(keys::time_sk(err.last_seen, &sk)))
            .send()
            .await
            .map_err(|e| store_error("UpdateItem error", e))?;
        Ok(())
    }

    async fn clear(&self, app: &AppId, object: ObjectKind, record_key: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::error_pk(app),
                keys::record_sk(object, record_key),
            )))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem error", e))?;
        Ok(())
    }

    /// One BatchWriteItem of deletes per 25 records.
    async fn clear_all(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_keys: &[String],
    ) -> StoreResult<()> {
        let mut sks: Vec<String> = record_keys
            .iter()
            .map(|k| keys::record_sk(object, k))
            .collect();
        sks.sort();
        sks.dedup();
        let items = sks
            .into_iter()
            .map(|sk| key(keys::error_pk(app), sk))
            .collect();
        super::batch_delete(&self.client, &self.table, items).await
    }

    async fn get(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Option<ErrorRecord>> {
        let item_key = key(keys::error_pk(app), keys::record_sk(object, record_key));
        let item = get_item(&self.client, &self.table, item_key).await?;
        item.map(|i| Self::decode(app, &i)).transpose()
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ErrorRecord>> {
        let records = self.all(app).await?;
        let matching = records
            .into_iter()
            .filter(|r| q.object.is_none_or(|o| o == r.object))
            .filter(|r| q.category.is_none_or(|c| c == r.error.category()))
            .filter(|r| matches_search(q, &[&r.name, &r.record_key]))
            .collect();
        Ok(paginate(matching, q))
    }

    async fn count_by_category(&self, app: &AppId) -> StoreResult<Vec<(Category, u64)>> {
        let mut counts = BTreeMap::new();
        for r in self.all(app).await? {
            *counts.entry(r.error.category()).or_insert(0) += 1;
        }
        Ok(counts.into_iter().collect())
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        let mut counts = BTreeMap::new();
        for r in self.all(app).await? {
            *counts.entry(r.object).or_insert(0) += 1;
        }
        Ok(counts.into_iter().collect())
    }

    async fn seen_since(
        &self,
        app: &AppId,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<ErrorRecord>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_TIME_INDEX)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk > :since")
            .expression_attribute_values(":pk", s(keys::error_pk(app)))
            .expression_attribute_values(":since", s(keys::time_sk_after(since)))
            .scan_index_forward(false);
        query_all(query)
            .await?
            .iter()
            .map(|i| Self::decode(app, i))
            .collect()
    }
}

fn category_str(c: Category) -> StoreResult<String> {
    let json = serde_json::to_value(c).map_err(|e| corrupt("category", e))?;
    Ok(json.as_str().unwrap_or_default().to_owned())
}
