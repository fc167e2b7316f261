//! Bindings: two items per binding (under its Salesforce id and under its JING id), each holding
//! the whole binding, plus one counter item per app and object. Every write is one
//! TransactWriteItems whose conditions make concurrent binders of the same id lose cleanly.

use super::{
    Item, attr, batch_get, from_body, get_item, get_n, get_s, key, keys, n, query_all, s, to_body,
};
use crate::error::{corrupt, store_error, transact_error};
use app::ports::{Binding, BindingStore, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use domain::{AppId, JingId, ObjectKind, RecordRef, SfId, Side};
use std::collections::HashMap;

/// Bindings per TransactWriteItems: two items each, plus the counter updates, within the
/// service's 100 items per transaction.
const BINDINGS_PER_TRANSACTION: usize = 48;

/// [`BindingStore`] on the bindings table.
#[derive(Debug, Clone)]
pub struct DynamoBindingStore {
    client: Client,
    table: String,
}

impl DynamoBindingStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn sf_key(app: &AppId, object: ObjectKind, id: &SfId) -> Item {
        key(keys::binding_pk(app, object, Side::Salesforce), id.as_str())
    }

    fn jing_key(app: &AppId, object: ObjectKind, id: &JingId) -> Item {
        key(keys::binding_pk(app, object, Side::Jing), id.as_str())
    }

    fn item(&self, b: &Binding, mut item_key: Item) -> StoreResult<Item> {
        item_key.insert(attr::BODY.into(), to_body(b)?);
        item_key.insert(attr::VERSION.into(), n(b.version));
        item_key.insert("jing_id".into(), s(b.jing_id.as_str()));
        Ok(item_key)
    }

    /// Put `item`; `None` = the key must be free, `Some(v)` = the stored version must be `v`.
    fn put(&self, item: Item, expected: Option<u64>) -> StoreResult<TransactWriteItem> {
        match expected {
            None => {
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(pk)");
                let put = put.build().map_err(|e| corrupt("build Put", e))?;
                Ok(TransactWriteItem::builder().put(put).build())
            }
            Some(v) => self.put_if(item, v, None),
        }
    }

    /// Put `item` when the stored version is `expected` (and the stored JING id is `jing`).
    fn put_if(
        &self,
        item: Item,
        expected: u64,
        jing: Option<&JingId>,
    ) -> StoreResult<TransactWriteItem> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_values(":expected", n(expected));
        put = match jing {
            Some(id) => put
                .condition_expression("#v = :expected AND jing_id = :jing")
                .expression_attribute_values(":jing", s(id.as_str())),
            None => put.condition_expression("#v = :expected"),
        };
        let put = put.build().map_err(|e| corrupt("build Put", e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(&self, item_key: Item, expected: u64) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_values(":expected", n(expected))
            .build()
            .map_err(|e| corrupt("build Delete", e))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn count_by(
        &self,
        app: &AppId,
        object: ObjectKind,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::binding_count_pk(app, object),
                keys::COUNT_SK,
            )))
            .update_expression("ADD #n :delta")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":delta", n(delta))
            .build()
            .map_err(|e| corrupt("build Update", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn transact(&self, op: &str, items: Vec<TransactWriteItem>) -> StoreResult<()> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| transact_error(op, e))?;
        Ok(())
    }

    async fn insert(&self, b: &Binding) -> StoreResult<()> {
        let sf = self.item(b, Self::sf_key(&b.app, b.object, &b.sf_id))?;
        let jing = self.item(b, Self::jing_key(&b.app, b.object, &b.jing_id))?;
        let items = vec![
            self.put(sf, None)?,
            self.put(jing, None)?,
            self.count_by(&b.app, b.object, 1)?,
        ];
        self.transact("bind", items).await
    }

    /// Replace both items in one transaction. The Salesforce item must also still name the same
    /// JING id; if it does not (re-binding, rare), fall back to moving the JING item.
    async fn replace(&self, b: &Binding, expected: u64) -> StoreResult<()> {
        let sf = self.item(b, Self::sf_key(&b.app, b.object, &b.sf_id))?;
        let jing = self.item(b, Self::jing_key(&b.app, b.object, &b.jing_id))?;
        let same_jing = self.put_if(sf, expected, Some(&b.jing_id))?;
        let items = vec![same_jing, self.put(jing, Some(expected))?];
        match self.transact("update binding", items).await {
            Err(StoreError::Conflict(_)) => self.move_jing(b, expected).await,
            other => other,
        }
    }

    async fn move_jing(&self, b: &Binding, expected: u64) -> StoreResult<()> {
        let stored = self.by_sf(&b.app, b.object, &b.sf_id).await?;
        let Some(stored) = stored.filter(|s| s.version == expected && s.jing_id != b.jing_id)
        else {
            return Err(StoreError::Conflict(format!(
                "binding {} is not at version {expected}",
                b.sf_id
            )));
        };
        let sf = self.item(b, Self::sf_key(&b.app, b.object, &b.sf_id))?;
        let jing = self.item(b, Self::jing_key(&b.app, b.object, &b.jing_id))?;
        let items = vec![
            self.put(sf, Some(expected))?,
            self.delete(Self::jing_key(&b.app, b.object, &stored.jing_id), expected)?,
            self.put(jing, None)?,
        ];
        self.transact("rebind", items).await
    }

    fn chunk_items(&self, chunk: &[(Binding, Option<u64>)]) -> StoreResult<Vec<TransactWriteItem>> {
        let mut items = Vec::with_capacity(chunk.len() * 2 + 1);
        let mut created: Vec<((AppId, ObjectKind), i64)> = Vec::new();
        for (b, expected) in chunk {
            let sf = self.item(b, Self::sf_key(&b.app, b.object, &b.sf_id))?;
            let jing = self.item(b, Self::jing_key(&b.app, b.object, &b.jing_id))?;
            match expected {
                None => {
                    items.push(self.put(sf, None)?);
                    items.push(self.put(jing, None)?);
                    let key = (b.app.clone(), b.object);
                    match created.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, n)) => *n += 1,
                        None => created.push((key, 1)),
                    }
                }
                Some(v) => {
                    items.push(self.put_if(sf, *v, Some(&b.jing_id))?);
                    items.push(self.put(jing, Some(*v))?);
                }
            }
        }
        for ((app, object), n) in created {
            items.push(self.count_by(&app, object, n)?);
        }
        Ok(items)
    }

    async fn get(&self, item_key: Item) -> StoreResult<Option<Binding>> {
        match get_item(&self.client, &self.table, item_key).await? {
            Some(item) => from_body(&item).map(Some),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl BindingStore for DynamoBindingStore {
    async fn by_sf(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &SfId,
    ) -> StoreResult<Option<Binding>> {
        self.get(Self::sf_key(app, object, id)).await
    }

    async fn by_jing(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        self.get(Self::jing_key(app, object, id)).await
    }

    /// One consistent BatchGetItem per 100 records.
    async fn by_records(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[RecordRef],
    ) -> StoreResult<Vec<Option<Binding>>> {
        let key_of = |r: &RecordRef| match r {
            RecordRef::Salesforce(id) => Self::sf_key(app, object, id),
            RecordRef::Jing(id) => Self::jing_key(app, object, id),
        };
        let sk_of = |r: &RecordRef| r.as_str().to_owned();
        let mut distinct: Vec<&RecordRef> = records.iter().collect();
        distinct.sort();
        distinct.dedup();
        let keys = distinct.iter().map(|r| key_of(r)).collect();
        let mut found: HashMap<(String, String), Binding> = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let pk = get_s(&item, attr::PK)?.to_owned();
            let sk = get_s(&item, attr::SK)?.to_owned();
            found.insert((pk, sk), from_body(&item)?);
        }
        let side = |r: &RecordRef| match r {
            RecordRef::Salesforce(_) => Side::Salesforce,
            RecordRef::Jing(_) => Side::Jing,
        };
        Ok(records
            .iter()
            .map(|r| {
                let pk = keys::binding_pk(app, object, side(r));
                found.get(&(pk, sk_of(r))).cloned()
            })
            .collect())
    }

    async fn put(&self, binding: &Binding, expected_version: Option<u64>) -> StoreResult<()> {
        match expected_version {
            None => self.insert(binding).await,
            Some(v) => self.replace(binding, v).await,
        }
    }

    /// Many puts in as few TransactWriteItems as the 100-item limit allows (two items per
    /// binding, one counter update per object: a transaction may touch an item only once).
    /// A chunk whose transaction fails (a lost race, a stale version) is written again one
    /// binding at a time, so each write succeeds or fails on its own as with [`Self::put`].
    /// Billing is the same as one transaction per binding (2 WRU per KB per item); only the
    /// requests drop.
    async fn put_each(&self, writes: &[(Binding, Option<u64>)]) -> Vec<StoreResult<()>> {
        let mut results = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(BINDINGS_PER_TRANSACTION) {
            let together = match self.chunk_items(chunk) {
                Ok(items) => self.transact("bind group", items).await,
                Err(e) => Err(e),
            };
            if together.is_ok() {
                results.extend(chunk.iter().map(|_| Ok(())));
                continue;
            }
            for (binding, expected) in chunk {
                results.push(BindingStore::put(self, binding, *expected).await);
            }
        }
        results
    }

    async fn remove(&self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> StoreResult<()> {
        let Some(stored) = self.by_sf(app, object, sf_id).await? else {
            return Ok(());
        };
        let items = vec![
            self.delete(Self::sf_key(app, object, sf_id), stored.version)?,
            self.delete(Self::jing_key(app, object, &stored.jing_id), stored.version)?,
            self.count_by(app, object, -1)?,
        ];
        self.transact("unbind", items).await
    }

    async fn count(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let item_key = key(keys::binding_count_pk(app, object), keys::COUNT_SK);
        match get_item(&self.client, &self.table, item_key).await? {
            Some(item) => get_n::<i64>(&item, "n").map(|c| c.max(0) as u64),
            None => Ok(0),
        }
    }

    async fn list(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        let mut items = Vec::new();
        let mut start = None;
        // A page holds `limit` items unless it hit 1 MB; follow pages until `limit` is reached.
        while items.len() < limit {
            let (page, next) = self
                .list_page(app, object, after, start, limit - items.len())
                .await?;
            items.extend(page);
            match next {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        items.iter().map(from_body).collect()
    }
}

impl DynamoBindingStore {
    async fn list_page(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        start: Option<Item>,
        limit: usize,
    ) -> StoreResult<(Vec<Item>, Option<Item>)> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .expression_attribute_values(":pk", s(keys::binding_pk(app, object, Side::Salesforce)))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        let query = match after {
            Some(id) => query
                .key_condition_expression("pk = :pk AND sk > :after")
                .expression_attribute_values(":after", s(id.as_str())),
            None => query.key_condition_expression("pk = :pk"),
        };
        let out = query.send().await.map_err(|e| store_error("Query", e))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// Every binding of an object (admin export, resync); pages through the whole partition.
    pub async fn all(&self, app: &AppId, object: ObjectKind) -> StoreResult<Vec<Binding>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::binding_pk(app, object, Side::Salesforce)));
        query_all(query).await?.iter().map(from_body).collect()
    }
}
