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
    for chunk in items.chunks(25) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item.clone())).build();
                put.map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(|e| corrupt("build PutRequest", e))
            })
            .collect::<StoreResult<_>>()?;
        for _attempt in 0..5 {
            let out = client
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
                "BatchWriteItem: {} items still unprocessed after retries",
                requests.len()
            )));
        }
    }
    Ok(())
}
