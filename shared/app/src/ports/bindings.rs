use super::StoreResult;
use async_trait::async_trait;
use domain::fingerprint::Fingerprint;
use domain::{AppId, JingId, ObjectKind, SfId, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A Salesforce record bound to a JING record. After binding, the bound ids are the key of every
/// later update (查重规则 → 绑定并更新).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub app: AppId,
    pub object: ObjectKind,
    pub sf_id: SfId,
    pub jing_id: JingId,
    /// Optimistic-concurrency version: every write must name the version it read.
    pub version: u64,
    /// Field values both sides held at the last sync, keyed by the Salesforce field name.
    pub last_synced: BTreeMap<String, Value>,
    /// Fingerprint of the values we last wrote to each side (echo suppression).
    pub sf_written: Option<Fingerprint>,
    pub jing_written: Option<Fingerprint>,
    /// Wall-clock time of the last sync (when we wrote).
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
    /// Which side the last applied change came from, and its source time: a change from the
    /// other side made before `synced_at` was concurrent with it (a conflict candidate).
    #[serde(default)]
    pub last_origin: Option<domain::Side>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub source_time: Option<OffsetDateTime>,
    /// The last sync of each field (Salesforce name): conflicts are decided per field.
    #[serde(default)]
    pub field_sync: BTreeMap<String, domain::plan::FieldSync>,
    /// What each side holds per field as far as we know (Salesforce names), kept even for
    /// changes that wrote nothing: a held-back edit or an "unknown" blank is not forgotten.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, domain::plan::FieldViews>,
    /// Set when the Salesforce lead was converted: updates follow the opportunity from then on.
    #[serde(default)]
    pub converted_to: Option<SfId>,
    /// Display name for status lists.
    #[serde(default)]
    pub name: String,
}

impl Binding {
    /// A fresh binding (version 1) of two records that hold `synced` values.
    pub fn new(
        app: AppId,
        object: ObjectKind,
        sf_id: SfId,
        jing_id: JingId,
        synced_at: OffsetDateTime,
    ) -> Self {
        Self {
            app,
            object,
            sf_id,
            jing_id,
            version: 1,
            last_synced: BTreeMap::new(),
            sf_written: None,
            jing_written: None,
            synced_at,
            last_origin: None,
            source_time: None,
            field_sync: BTreeMap::new(),
            views: BTreeMap::new(),
            converted_to: None,
            name: String::new(),
        }
    }
}

/// Bindings per app and object, looked up from either side.
#[async_trait]
pub trait BindingStore: Send + Sync {
    async fn by_sf(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &SfId,
    ) -> StoreResult<Option<Binding>>;
    async fn by_jing(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>>;
    /// The bindings of many records of one object, in order (`None`: not bound). Stores that
    /// can read them in one request override it (DynamoDB: BatchGetItem).
    async fn by_records(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[domain::RecordRef],
    ) -> StoreResult<Vec<Option<Binding>>> {
        let mut found = Vec::with_capacity(records.len());
        for record in records {
            found.push(match record {
                domain::RecordRef::Salesforce(id) => self.by_sf(app, object, id).await?,
                domain::RecordRef::Jing(id) => self.by_jing(app, object, id).await?,
            });
        }
        Ok(found)
    }
    /// Insert (`expected_version == None`: neither id may be bound yet) or replace the binding
    /// whose stored version equals `expected_version`; the stored version becomes
    /// `binding.version`. Otherwise `StoreError::Conflict`.
    async fn put(&self, binding: &Binding, expected_version: Option<u64>) -> StoreResult<()>;
    /// Many [`put`](Self::put)s, each succeeding or failing on its own; one result per write,
    /// in order. Stores that can write them together override it (SQLite: one transaction, so
    /// a writer batch costs one commit instead of one per record); the default puts one by one.
    async fn put_each(&self, writes: &[(Binding, Option<u64>)]) -> Vec<StoreResult<()>> {
        let mut results = Vec::with_capacity(writes.len());
        for (binding, expected_version) in writes {
            results.push(self.put(binding, *expected_version).await);
        }
        results
    }
    /// Remove a binding (both lookups).
    async fn remove(&self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> StoreResult<()>;
    async fn count(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64>;
    /// Every binding of an object, ordered by Salesforce id, `limit` at a time after `after`.
    async fn list(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>>;
}
