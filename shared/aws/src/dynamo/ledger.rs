//! Conflicts (冲突记录) and the per-record change journal on the activity table. Both are
//! append-only with time-ordered sort keys and expire through TTL.

use super::{Item, attr, from_body, keys, query_all, s, to_body, ttl};
use app::contract::semantics::{matches_search, paginate};
use app::ports::{
    ConflictEntry, ConflictKey, JournalEntry, Ledger, ListQuery, Page, Settlement, StoreResult,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::{AppId, ObjectKind};
use time::{Duration, OffsetDateTime};

/// Conflicts stay half a year, journal entries three months (then TTL deletes them).
const CONFLICT_DAYS: i64 = 180;
const JOURNAL_DAYS: i64 = 90;

/// [`Ledger`] on the activity table.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: Client,
    table: String,
}

/// A random suffix so two entries written in the same microsecond never share a key.
fn unique() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn expires(at: OffsetDateTime, days: i64) -> aws_sdk_dynamodb::types::AttributeValue {
    ttl(at + Duration::days(days))
}

impl DynamoLedger {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn conflict_item(c: &ConflictEntry) -> StoreResult<Item> {
        let tiebreak = format!("{}#{}#{}", c.object, c.record_key, unique());
        let mut item = super::key(keys::conflict_pk(&c.app), keys::time_sk(c.at, &tiebreak));
        item.insert(attr::BODY.into(), to_body(c)?);
        item.insert(attr::EXPIRES_AT.into(), expires(c.at, CONFLICT_DAYS));
        Ok(item)
    }

    fn journal_item(e: &JournalEntry, index: usize) -> StoreResult<Item> {
        let tiebreak = format!("{index:04}#{}", unique());
        let pk = keys::journal_pk(&e.app, e.object, &e.record_key);
        let mut item = super::key(pk, keys::time_sk(e.at, &tiebreak));
        item.insert(attr::BODY.into(), to_body(e)?);
        item.insert(attr::EXPIRES_AT.into(), expires(e.at, JOURNAL_DAYS));
        Ok(item)
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn add_conflict(&self, c: &ConflictEntry) -> StoreResult<()> {
        super::batch_put(&self.client, &self.table, vec![Self::conflict_item(c)?]).await
    }

    async fn conflicts(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ConflictEntry>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::conflict_pk(app)))
            .scan_index_forward(false);
        let entries = query_all(query)
            .await?
            .iter()
            .map(from_body)
            .collect::<StoreResult<Vec<ConflictEntry>>>()?;
        let matching = entries
            .into_iter()
            .filter(|c| q.object.is_none_or(|o| o == c.object))
            .filter(|c| matches_search(q, &[&c.record_key, &c.field]))
            .collect();
        Ok(paginate(matching, q))
    }

    /// Reads the app's conflict partition and puts the matching items back with the
    /// settlement in their body (same keys and expiry; settling is rare).
    async fn settle_conflicts(
        &self,
        app: &AppId,
        key: &ConflictKey<'_>,
        settlement: &Settlement,
    ) -> StoreResult<u64> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::conflict_pk(app)));
        let mut changed = Vec::new();
        for mut item in query_all(query).await? {
            let mut entry: ConflictEntry = from_body(&item)?;
            if key.open(&entry) {
                entry.settled = Some(settlement.clone());
                item.insert(attr::BODY.into(), to_body(&entry)?);
                changed.push(item);
            }
        }
        let n = changed.len() as u64;
        super::batch_put(&self.client, &self.table, changed).await?;
        Ok(n)
    }

    async fn journal(&self, entries: &[JournalEntry]) -> StoreResult<()> {
        let items = entries
            .iter()
            .enumerate()
            .map(|(i, e)| Self::journal_item(e, i))
            .collect::<StoreResult<Vec<_>>>()?;
        super::batch_put(&self.client, &self.table, items).await
    }

    async fn journal_for(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Vec<JournalEntry>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::journal_pk(app, object, record_key)));
        query_all(query).await?.iter().map(from_body).collect()
    }
}
