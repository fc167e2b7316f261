//! Fakes of the record-shaped stores: bindings, errors, sync log.

use super::lock;
use crate::contract::semantics::{matches_search, paginate};
use crate::ports::*;
use async_trait::async_trait;
use domain::{AppId, Category, JingId, ObjectKind, SfId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

type ObjKey = (AppId, ObjectKind);

/// One record per (app, object, key), shared by the clones of a fake.
type Shared<T> = Arc<Mutex<BTreeMap<(AppId, ObjectKind, String), T>>>;

#[derive(Default)]
struct BindingTables {
    by_sf: HashMap<ObjKey, BTreeMap<SfId, Binding>>,
    jing_to_sf: HashMap<(AppId, ObjectKind, JingId), SfId>,
}

/// Bindings in two maps (by Salesforce id, ordered; JING id → Salesforce id).
#[derive(Default, Clone)]
pub struct MemBindingStore {
    tables: Arc<Mutex<BindingTables>>,
}

impl BindingTables {
    fn check_put(&self, b: &Binding, expected: Option<u64>) -> StoreResult<()> {
        let key = (b.app.clone(), b.object);
        let stored = self.by_sf.get(&key).and_then(|m| m.get(&b.sf_id));
        match (stored, expected) {
            (Some(_), None) => return Err(conflict("Salesforce id already bound", &b.sf_id)),
            (None, Some(v)) => {
                return Err(StoreError::Conflict(format!("no binding at version {v}")));
            }
            (Some(s), Some(v)) if s.version != v => {
                return Err(StoreError::Conflict(format!(
                    "version is {}, not {v}",
                    s.version
                )));
            }
            _ => {}
        }
        let jing_key = (b.app.clone(), b.object, b.jing_id.clone());
        match self.jing_to_sf.get(&jing_key) {
            Some(owner) if owner != &b.sf_id => Err(conflict("JING id already bound", &b.jing_id)),
            _ => Ok(()),
        }
    }

    fn remove(&mut self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> Option<Binding> {
        let old = self.by_sf.get_mut(&(app.clone(), object))?.remove(sf_id)?;
        self.jing_to_sf
            .remove(&(app.clone(), object, old.jing_id.clone()));
        Some(old)
    }
}

impl MemBindingStore {
    /// Forget an app's bindings (the fake's part of deleting an app).
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut t = lock(&self.tables);
        let mut n = 0;
        t.by_sf.retain(|(a, _), m| {
            if a == app {
                n += m.len() as u64;
            }
            a != app
        });
        t.jing_to_sf.retain(|(a, _, _), _| a != app);
        n
    }
}

impl MemErrorStore {
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut r = lock(&self.records);
        let before = r.len();
        r.retain(|(a, _, _), _| a != app);
        (before - r.len()) as u64
    }
}

impl MemSyncLog {
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut r = lock(&self.records);
        let before = r.len();
        r.retain(|(a, _, _), _| a != app);
        (before - r.len()) as u64
    }
}

fn conflict(what: &str, id: &impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(format!("{what}: {id}"))
}

#[async_trait]
impl BindingStore for MemBindingStore {
    async fn by_sf(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &SfId,
    ) -> StoreResult<Option<Binding>> {
        let t = lock(&self.tables);
        Ok(t.by_sf
            .get(&(app.clone(), object))
            .and_then(|m| m.get(id))
            .cloned())
    }

    async fn by_jing(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        let t = lock(&self.tables);
        let Some(sf) = t.jing_to_sf.get(&(app.clone(), object, id.clone())) else {
            return Ok(None);
        };
        Ok(t.by_sf
            .get(&(app.clone(), object))
            .and_then(|m| m.get(sf))
            .cloned())
    }

    async fn put(&self, binding: &Binding, expected_version: Option<u64>) -> StoreResult<()> {
        let mut t = lock(&self.tables);
        t.check_put(binding, expected_version)?;
        t.remove(&binding.app, binding.object, &binding.sf_id);
        let jing_key = (binding.app.clone(), binding.object, binding.jing_id.clone());
        t.jing_to_sf.insert(jing_key, binding.sf_id.clone());
        let table = t
            .by_sf
            .entry((binding.app.clone(), binding.object))
            .or_default();
        table.insert(binding.sf_id.clone(), binding.clone());
        Ok(())
    }

    async fn remove(&self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> StoreResult<()> {
        lock(&self.tables).remove(app, object, sf_id);
        Ok(())
    }

    async fn count(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        let t = lock(&self.tables);
        Ok(t.by_sf
            .get(&(app.clone(), object))
            .map_or(0, |m| m.len() as u64))
    }

    async fn list(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        let t = lock(&self.tables);
        let Some(table) = t.by_sf.get(&(app.clone(), object)) else {
            return Ok(Vec::new());
        };
        let rest: Box<dyn Iterator<Item = &Binding>> = match after {
            Some(after) => Box::new(
                table
                    .range::<SfId, _>((
                        std::ops::Bound::Excluded(after),
                        std::ops::Bound::Unbounded,
                    ))
                    .map(|(_, b)| b),
            ),
            None => Box::new(table.values()),
        };
        Ok(rest.take(limit).cloned().collect())
    }
}

/// Failing records keyed by (app, object, record key).
#[derive(Default, Clone)]
pub struct MemErrorStore {
    records: Shared<ErrorRecord>,
}

impl MemErrorStore {
    fn of_app(&self, app: &AppId) -> Vec<ErrorRecord> {
        let records = lock(&self.records);
        let mut out: Vec<ErrorRecord> = records
            .values()
            .filter(|r| &r.app == app)
            .cloned()
            .collect();
        // Newest first; ties by object then key, so paging is stable.
        out.sort_by_key(|r| std::cmp::Reverse(r.last_seen));
        out
    }
}

#[async_trait]
impl ErrorStore for MemErrorStore {
    async fn record(&self, err: &ErrorRecord) -> StoreResult<()> {
        let mut records = lock(&self.records);
        let key = (err.app.clone(), err.object, err.record_key.clone());
        match records.get_mut(&key) {
            Some(old) => {
                old.count += 1;
                old.last_seen = err.last_seen;
                old.error = err.error.clone();
                old.name = err.name.clone();
                old.change = err.change.clone();
            }
            None => {
                records.insert(
                    key,
                    ErrorRecord {
                        count: 1,
                        ..err.clone()
                    },
                );
            }
        }
        Ok(())
    }

    async fn clear(&self, app: &AppId, object: ObjectKind, record_key: &str) -> StoreResult<()> {
        lock(&self.records).remove(&(app.clone(), object, record_key.to_owned()));
        Ok(())
    }

    async fn get(
        &self,
        app: &AppId,
        object: ObjectKind,
        record_key: &str,
    ) -> StoreResult<Option<ErrorRecord>> {
        Ok(lock(&self.records)
            .get(&(app.clone(), object, record_key.to_owned()))
            .cloned())
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<ErrorRecord>> {
        let matching = self
            .of_app(app)
            .into_iter()
            .filter(|r| q.object.is_none_or(|o| o == r.object))
            .filter(|r| q.category.is_none_or(|c| c == r.error.category()))
            .filter(|r| matches_search(q, &[&r.name, &r.record_key]))
            .collect();
        Ok(paginate(matching, q))
    }

    async fn count_by_category(&self, app: &AppId) -> StoreResult<Vec<(Category, u64)>> {
        Ok(tally(self.of_app(app).iter().map(|r| r.error.category())))
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        Ok(tally(self.of_app(app).iter().map(|r| r.object)))
    }

    async fn seen_since(
        &self,
        app: &AppId,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<ErrorRecord>> {
        Ok(self
            .of_app(app)
            .into_iter()
            .filter(|r| r.last_seen > since)
            .collect())
    }
}

/// Non-zero counts per key, in the key's order.
fn tally<K: Ord>(keys: impl Iterator<Item = K>) -> Vec<(K, u64)> {
    let mut counts = BTreeMap::new();
    for k in keys {
        *counts.entry(k).or_insert(0u64) += 1;
    }
    counts.into_iter().collect()
}

/// Last successful sync per (app, object, record key).
#[derive(Default, Clone)]
pub struct MemSyncLog {
    records: Shared<SyncedRecord>,
}

impl MemSyncLog {
    fn of_app(&self, app: &AppId) -> Vec<SyncedRecord> {
        let records = lock(&self.records);
        let mut out: Vec<SyncedRecord> = records
            .values()
            .filter(|r| &r.app == app)
            .cloned()
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.synced_at));
        out
    }
}

#[async_trait]
impl SyncLog for MemSyncLog {
    async fn record(&self, rec: &SyncedRecord) -> StoreResult<()> {
        let key = (rec.app.clone(), rec.object, rec.record_key.clone());
        lock(&self.records).insert(key, rec.clone());
        Ok(())
    }

    async fn list(&self, app: &AppId, q: &ListQuery) -> StoreResult<Page<SyncedRecord>> {
        let matching = self
            .of_app(app)
            .into_iter()
            .filter(|r| q.object.is_none_or(|o| o == r.object))
            .filter(|r| matches_search(q, &[&r.name, &r.record_key]))
            .collect();
        Ok(paginate(matching, q))
    }

    async fn count_by_object(&self, app: &AppId) -> StoreResult<Vec<(ObjectKind, u64)>> {
        Ok(tally(self.of_app(app).iter().map(|r| r.object)))
    }
}
