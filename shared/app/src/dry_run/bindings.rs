//! Bindings for a dry run: read through to the real store; what the dry run binds or removes
//! stays in memory.

use crate::ports::{Binding, BindingStore, StoreResult};
use async_trait::async_trait;
use domain::{AppId, JingId, ObjectKind, RecordRef, SfId};
use std::collections::HashMap;
use std::sync::Mutex;

type Key = (AppId, ObjectKind);

/// Bindings read through to the real store; what the dry run binds or removes stays here.
pub struct OverlayBindings<'a> {
    pub real: &'a dyn BindingStore,
    by_sf: Mutex<HashMap<(Key, SfId), Option<Binding>>>,
    by_jing: Mutex<HashMap<(Key, JingId), Option<Binding>>>,
}

impl<'a> OverlayBindings<'a> {
    pub fn new(real: &'a dyn BindingStore) -> Self {
        Self {
            real,
            by_sf: Mutex::default(),
            by_jing: Mutex::default(),
        }
    }
}

#[async_trait]
impl BindingStore for OverlayBindings<'_> {
    async fn by_sf(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &SfId,
    ) -> StoreResult<Option<Binding>> {
        let key = ((app.clone(), object), id.clone());
        let hit = crate::fakes::lock(&self.by_sf).get(&key).cloned();
        match hit {
            Some(b) => Ok(b),
            None => self.real.by_sf(app, object, id).await,
        }
    }
    async fn by_jing(
        &self,
        app: &AppId,
        object: ObjectKind,
        id: &JingId,
    ) -> StoreResult<Option<Binding>> {
        let key = ((app.clone(), object), id.clone());
        let hit = crate::fakes::lock(&self.by_jing).get(&key).cloned();
        match hit {
            Some(b) => Ok(b),
            None => self.real.by_jing(app, object, id).await,
        }
    }
    async fn by_records(
        &self,
        app: &AppId,
        object: ObjectKind,
        records: &[RecordRef],
    ) -> StoreResult<Vec<Option<Binding>>> {
        let mut found = Vec::with_capacity(records.len());
        for record in records {
            found.push(match record {
                RecordRef::Salesforce(id) => self.by_sf(app, object, id).await?,
                RecordRef::Jing(id) => self.by_jing(app, object, id).await?,
            });
        }
        Ok(found)
    }
    /// No version check: the dry run's writer is the only one writing here.
    async fn put(&self, b: &Binding, _: Option<u64>) -> StoreResult<()> {
        let key = (b.app.clone(), b.object);
        crate::fakes::lock(&self.by_sf).insert((key.clone(), b.sf_id.clone()), Some(b.clone()));
        crate::fakes::lock(&self.by_jing).insert((key, b.jing_id.clone()), Some(b.clone()));
        Ok(())
    }
    async fn remove(&self, app: &AppId, object: ObjectKind, sf_id: &SfId) -> StoreResult<()> {
        if let Some(b) = self.by_sf(app, object, sf_id).await? {
            let key = (app.clone(), object);
            crate::fakes::lock(&self.by_jing).insert((key.clone(), b.jing_id), None);
            crate::fakes::lock(&self.by_sf).insert((key, sf_id.clone()), None);
        }
        Ok(())
    }
    async fn count(&self, app: &AppId, object: ObjectKind) -> StoreResult<u64> {
        self.real.count(app, object).await
    }
    async fn list(
        &self,
        app: &AppId,
        object: ObjectKind,
        after: Option<&SfId>,
        limit: usize,
    ) -> StoreResult<Vec<Binding>> {
        self.real.list(app, object, after, limit).await
    }
}
