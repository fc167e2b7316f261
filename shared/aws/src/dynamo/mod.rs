//! DynamoDB adapters. Key design: docs/storage.md. Every partition key starts with `{app}#`
//! (app ids cannot contain `#`), so no key built for one app can address another app's items.

mod bindings;
mod claims;
mod cursors;
mod decisions;
mod errors;
pub(crate) mod keys;
mod ledger;
mod parked;
mod purge;
mod quota;
mod settings;
mod synclog;
mod window;

pub use bindings::DynamoBindingStore;
pub use claims::DynamoRecordClaims;
pub use cursors::{DynamoCursorStore, DynamoIdempotencyStore};
pub use decisions::DynamoDecisionLog;
pub use errors::DynamoErrorStore;
pub use ledger::DynamoLedger;
pub use parked::DynamoParkedStore;
pub(crate) use parked::{BY_PRIORITY_INDEX, PRIO};
pub use purge::DynamoAppData;
pub use quota::DynamoQuotaStore;
pub use settings::DynamoSettingsStore;
pub use synclog::DynamoSyncLog;

use crate::error::{corrupt, store_error};
use app::ports::StoreResult;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::str::FromStr;
use time::OffsetDateTime;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Attribute names shared by every table.
pub(crate) mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1_PK: &str = "gsi1pk";
    pub const GSI1_SK: &str = "gsi1sk";
    /// TTL attribute (epoch seconds); items without it never expire.
    pub const EXPIRES_AT: &str = "expires_at";
    /// The domain value as JSON.
    pub const BODY: &str = "body";
    pub const VERSION: &str = "version";
}

/// The time-ordered index of the activity table.
pub(crate) const BY_TIME_INDEX: &str = "by_time";

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Epoch seconds for the TTL attribute.
pub(crate) fn ttl(at: OffsetDateTime) -> AttributeValue {
    n(at.unix_timestamp())
}

pub(crate) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(attr::PK.to_owned(), s(pk)), (attr::SK.to_owned(), s(sk))])
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        other => Err(corrupt(
            name,
            format!("expected a string attribute, found {other:?}"),
        )),
    }
}

pub(crate) fn get_n<T: FromStr>(item: &Item, name: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|e| corrupt(name, e)),
        other => Err(corrupt(
            name,
            format!("expected a number attribute, found {other:?}"),
        )),
    }
}

pub(crate) fn to_body<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| corrupt("encode body", e))
}

pub(crate) fn from_body<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    serde_json::from_str(get_s(item, attr::BODY)?).map_err(|e| corrupt("decode body", e))
}

/// Every item a query returns, following `LastEvaluatedKey` to the end.
pub(crate) async fn query_all(query: QueryFluentBuilder) -> StoreResult<Vec<Item>> {
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let out = query
            .clone()
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| store_error("Query", e))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(items),
        }
    }
}

/// The number of items a `Select::Count` query matches, over all pages.
pub(crate) async fn count_all(query: QueryFluentBuilder) -> StoreResult<u64> {
    let mut total = 0u64;
    let mut start: Option<Item> = None;
    loop {
        let out = query
            .clone()
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| store_error("Query count", e))?;
        total += u64::try_from(out.count).unwrap_or(0);
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(total),
        }
    }
}

/// A consistent GetItem.
pub(crate) async fn get_item(client: &Client, table: &str, key: Item) -> StoreResult<Option<Item>> {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| store_error("GetItem", e))?;
    Ok(out.item)
}

/// Write many items, 25 per BatchWriteItem, retrying unprocessed items a bounded number of times.
pub(crate) async fn batch_put(client: &Client, table: &str, items: Vec<Item>) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let requests = items
        .into_iter()
        .map(|item| {
            let put = PutRequest::builder().set_item(Some(item)).build();
            put.map(|p| WriteRequest::builder().put_request(p).build())
                .map_err(|e| corrupt("build PutRequest", e))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    batch_write(client, table, requests).await
}

/// Delete many items by key, 25 per BatchWriteItem (absent items are no error). Keys must be
/// distinct: one batch may not name an item twice.
pub(crate) async fn batch_delete(client: &Client, table: &str, keys: Vec<Item>) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
    let requests = keys
        .into_iter()
        .map(|k| {
            let delete = DeleteRequest::builder().set_key(Some(k)).build();
            delete
                .map(|d| WriteRequest::builder().delete_request(d).build())
                .map_err(|e| corrupt("build DeleteRequest", e))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    batch_write(client, table, requests).await
}

/// Send write requests 25 per BatchWriteItem, retrying unprocessed ones a bounded number of times.
async fn batch_write(
    client: &Client,
    table: &str,
    requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
) -> StoreResult<()> {
    for chunk in requests.chunks(25) {
        let mut pending = chunk.to_vec();
        for _attempt in 0..5 {
            let out = client
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await
                .map_err(|e| store_error("BatchWriteItem", e))?;
            pending = out
                .unprocessed_items
                .unwrap_or_default()
                .remove(table)
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
        }
        if !pending.is_empty() {
            return Err(app::ports::StoreError::Unavailable(format!(
                "BatchWriteItem: {} items still unprocessed after retries",
                pending.len()
            )));
        }
    }
    Ok(())
}

/// Consistent reads of many items, 100 keys per BatchGetItem (unprocessed keys asked again a
/// bounded number of times). Keys must be distinct. Found items only, in no particular order.
pub(crate) async fn batch_get(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> StoreResult<Vec<Item>> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(true)
                .build()
                .map_err(|e| corrupt("build KeysAndAttributes", e))?,
        );
        for _attempt in 0..5 {
            let Some(ask) = pending.take() else { break };
            let out = client
                .batch_get_item()
                .request_items(table, ask)
                .send()
                .await
                .map_err(|e| store_error("BatchGetItem", e))?;
            found.extend(
                out.responses
                    .unwrap_or_default()
                    .remove(table)
                    .unwrap_or_default(),
            );
            pending = out
                .unprocessed_keys
                .unwrap_or_default()
                .remove(table)
                .filter(|k| !k.keys.is_empty());
        }
        if pending.is_some() {
            return Err(app::ports::StoreError::Unavailable(
                "BatchGetItem: keys still unprocessed after retries".into(),
            ));
        }
    }
    Ok(found)
}
