//! Parked changes: one item per record (`pk = {app}#parked`, `sk = {side}#{id}`), coalesced by
//! read-modify-write under a version condition. Each item carries `prio =
//! {class}#{first parked, µs}#{record}`, the sort key of the state table's local secondary index
//! `by_priority`, so `take` reads exactly the items it returns, in priority then parking order
//! (LSIs support consistent reads, unlike GSIs).

use super::{Item, attr, from_body, get_item, get_n, get_s, key, keys, n, s, to_body};
use crate::error::{code_of, store_error};
use app::contract::semantics::park_priority;
use app::ports::{ParkedEntry, ParkedStore, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::Select;
use domain::{AppId, Change, RecordRef};
use futures::future::join_all;
use time::OffsetDateTime;

/// The state table's local secondary index over `prio`.
pub(crate) const BY_PRIORITY_INDEX: &str = "by_priority";
pub(crate) const PRIO: &str = "prio";

/// Conditional DeleteItems `take` runs at once.
const DELETE_CONCURRENCY: usize = 16;

/// How often `park` retries after losing a race with another parker of the same record.
const PARK_ATTEMPTS: usize = 5;

/// [`ParkedStore`] on the state table.
#[derive(Debug, Clone)]
pub struct DynamoParkedStore {
    client: Client,
    table: String,
}

/// A parked item as read.
struct Parked {
    change: Change,
    version: u64,
    /// When the record was first parked (µs since the epoch, zero-padded): kept on coalescing.
    parked_at: String,
}

fn prio(change: &Change, parked_at: &str) -> String {
    format!(
        "{}#{parked_at}#{}",
        park_priority(change),
        keys::parked_sk(&change.record)
    )
}

impl DynamoParkedStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn key(app: &AppId, record: &RecordRef) -> Item {
        key(keys::parked_pk(app), keys::parked_sk(record))
    }

    fn decode(item: &Item) -> StoreResult<Parked> {
        Ok(Parked {
            change: from_body(item)?,
            version: get_n(item, attr::VERSION)?,
            parked_at: get_s(item, "parked_at")?.to_owned(),
        })
    }

    async fn find(&self, app: &AppId, record: &RecordRef) -> StoreResult<Option<Parked>> {
        let item = get_item(&self.client, &self.table, Self::key(app, record)).await?;
        item.as_ref().map(Self::decode).transpose()
    }

    /// Write `change` as the record's parked change, if nobody changed it since `old` was read.
    async fn write(&self, change: &Change, old: Option<&Parked>) -> StoreResult<()> {
        let parked_at = match old {
            Some(o) => o.parked_at.clone(),
            None => format!(
                "{:020}",
                OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000
            ),
        };
        let mut item = Self::key(&change.app, &change.record);
        item.insert(attr::BODY.into(), to_body(change)?);
        item.insert(attr::VERSION.into(), n(old.map_or(1, |o| o.version + 1)));
        item.insert(PRIO.into(), s(prio(change, &parked_at)));
        item.insert("parked_at".into(), s(parked_at));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = match old {
            Some(o) => put
                .condition_expression("#v = :old")
                .expression_attribute_names("#v", attr::VERSION)
                .expression_attribute_values(":old", n(o.version)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        put.send()
            .await
            .map_err(|e| store_error("PutItem parked", e))?;
        Ok(())
    }

    /// Delete a taken item unless a parker changed it meanwhile (then it stays for next time).
    async fn remove_taken(&self, p: &Parked) -> StoreResult<bool> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(&p.change.app, &p.change.record)))
            .condition_expression("#v = :old")
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_values(":old", n(p.version))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error("DeleteItem parked", e)),
        }
    }

    /// The first `max` parked items in priority order (following pages past 1 MB).
    async fn first(&self, app: &AppId, max: usize) -> StoreResult<Vec<Parked>> {
        let mut parked = Vec::new();
        let mut start: Option<Item> = None;
        while parked.len() < max {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_PRIORITY_INDEX)
                .consistent_read(true)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(keys::parked_pk(app)))
                .set_exclusive_start_key(start.take())
                .limit(i32::try_from(max - parked.len()).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| store_error("Query parked", e))?;
            for item in out.items.unwrap_or_default() {
                parked.push(Self::decode(&item)?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(parked)
    }
}

#[async_trait]
impl ParkedStore for DynamoParkedStore {
    async fn park(&self, change: &Change) -> StoreResult<()> {
        for _ in 0..PARK_ATTEMPTS {
            let old = self.find(&change.app, &change.record).await?;
            let merged = match &old {
                Some(o) => {
                    let mut merged = o.change.clone();
                    merged.coalesce(change.clone());
                    merged
                }
                None => change.clone(),
            };
            match self.write(&merged, old.as_ref()).await {
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict(format!(
            "parking {} kept losing races",
            change.record.as_str()
        )))
    }

    async fn peek(&self, app: &AppId, max: usize) -> StoreResult<Vec<ParkedEntry>> {
        Ok(self
            .first(app, max)
            .await?
            .into_iter()
            .map(|p| ParkedEntry {
                change: p.change,
                version: p.version.to_string(),
            })
            .collect())
    }

    async fn remove(&self, _app: &AppId, entries: &[ParkedEntry]) -> StoreResult<u64> {
        let parked: Vec<Parked> = entries
            .iter()
            .map(|e| {
                let version = e.version.parse().map_err(|_| {
                    StoreError::Corrupt(format!("not a parked version: {:?}", e.version))
                })?;
                Ok(Parked {
                    change: e.change.clone(),
                    version,
                    parked_at: String::new(),
                })
            })
            .collect::<StoreResult<_>>()?;
        let mut removed = 0;
        for chunk in parked.chunks(DELETE_CONCURRENCY) {
            for r in join_all(chunk.iter().map(|p| self.remove_taken(p))).await {
                removed += u64::from(r?);
            }
        }
        Ok(removed)
    }

    async fn count(&self, app: &AppId) -> StoreResult<u64> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::parked_pk(app)))
            .select(Select::Count);
        super::count_all(query).await
    }

    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool> {
        Ok(self.find(app, record).await?.is_some())
    }
}
