//! JING for a dry run: reads pass through (counted), writes land in memory. A create answers
//! what JING's duplicate rules would ([`domain::jing_duplicates`]): the id of a live record with
//! the same key, learned from the listing of the object's records, or a record this dry run
//! "created" before. So the writer binds where the real run would bind, through the same code
//! (`Duplicate` → bound elsewhere? → bind and update).

use super::ports::{WriteTally, denied, fake_id};
use crate::ports::*;
use async_trait::async_trait;
use domain::jing_duplicates::{DuplicateKey, duplicate_fields, duplicate_keys};
use domain::{ErrorCode, JingId, SyncError, Value};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use time::OffsetDateTime;

/// Who holds each duplicate key, per object (what JING's rules would match).
#[derive(Default)]
struct Holders {
    by_key: HashMap<(String, DuplicateKey), JingId>,
    of_record: HashMap<JingId, Vec<DuplicateKey>>,
}

impl Holders {
    fn holder(&self, object: &str, keys: &[DuplicateKey], own: Option<&JingId>) -> Option<JingId> {
        keys.iter()
            .filter_map(|k| self.by_key.get(&(object.to_owned(), k.clone())))
            .find(|id| Some(*id) != own)
            .cloned()
    }

    /// `id` now holds `keys`; its earlier keys of the fields in `touched` are let go.
    fn hold(&mut self, object: &str, id: &JingId, touched: &[&str], keys: Vec<DuplicateKey>) {
        let held = self.of_record.entry(id.clone()).or_default();
        for old in held.iter().filter(|k| touched.contains(&k.field)) {
            let slot = (object.to_owned(), old.clone());
            if self.by_key.get(&slot) == Some(id) {
                self.by_key.remove(&slot);
            }
        }
        held.retain(|k| !touched.contains(&k.field));
        for key in keys {
            self.by_key
                .entry((object.to_owned(), key.clone()))
                .or_insert_with(|| id.clone());
            held.push(key);
        }
    }
}

fn keys_of(object: &str, fields: &Fields) -> Vec<DuplicateKey> {
    duplicate_keys(object, |f| fields.get(f).and_then(Value::as_text))
}

/// The duplicate fields a write carries (a blank sent clears that key).
fn touched(object: &str, fields: &Fields) -> Vec<&'static str> {
    duplicate_fields(object)
        .iter()
        .copied()
        .filter(|f| fields.contains_key(*f))
        .collect()
}

pub struct DryJing<'a> {
    pub real: &'a dyn JingPort,
    pub tally: WriteTally,
    next: AtomicU64,
    holders: Mutex<Holders>,
    /// Records this dry run changed: the real run's writes make them its own changes (by the
    /// integration, after its start), which its JING side does not read as history. An update
    /// that changes no value leaves a JING record as it was, so the values are kept to tell.
    written: Mutex<HashSet<JingId>>,
    values: Mutex<HashMap<JingId, Record>>,
}

type Record = BTreeMap<String, Json>;

impl<'a> DryJing<'a> {
    pub fn new(real: &'a dyn JingPort) -> Self {
        Self {
            real,
            tally: WriteTally::default(),
            next: AtomicU64::new(1),
            holders: Mutex::default(),
            written: Mutex::default(),
            values: Mutex::default(),
        }
    }

    /// Whether this dry run wrote the record (see [`DryJing::written`]).
    pub fn wrote(&self, id: &JingId) -> bool {
        crate::fakes::lock(&self.written).contains(id)
    }

    /// Learn the duplicate keys of `object`'s live records (one listing from the beginning),
    /// page by page until `until`. False when time ran out first.
    pub async fn learn(&self, object: &str, until: Instant) -> Result<bool, RemoteError> {
        let mut token: Option<String> = None;
        loop {
            let page = self
                .changed_since(object, OffsetDateTime::UNIX_EPOCH, token.as_deref())
                .await?;
            let mut holders = crate::fakes::lock(&self.holders);
            let mut values = crate::fakes::lock(&self.values);
            for r in page.records.iter().filter(|r| !r.deleted) {
                let text = |f: &str| r.fields.get(f)?.as_str().map(str::to_owned);
                let keys = duplicate_keys(object, text);
                holders.hold(object, &r.id, duplicate_fields(object), keys);
                values.insert(r.id.clone(), r.fields.clone());
            }
            drop((holders, values));
            token = page.next;
            if token.is_none() {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
        }
    }

    fn create_one(&self, object: &str, fields: &Fields) -> WriteResult {
        let keys = keys_of(object, fields);
        let mut holders = crate::fakes::lock(&self.holders);
        if let Some(existing) = holders.holder(object, &keys, None) {
            return WriteResult::Duplicate(vec![existing.to_string()]);
        }
        let raw = fake_id("dry-", self.next.fetch_add(1, Ordering::Relaxed));
        if let Ok(id) = JingId::parse(&raw) {
            holders.hold(object, &id, duplicate_fields(object), keys);
            self.changes(&id, fields);
        }
        WriteResult::Ok(raw)
    }

    /// An update whose key another record holds is refused, as JING refuses it.
    fn update_one(&self, object: &str, id: &JingId, fields: &Fields) -> WriteResult {
        let keys = keys_of(object, fields);
        let mut holders = crate::fakes::lock(&self.holders);
        if holders.holder(object, &keys, Some(id)).is_some() {
            return WriteResult::Failed(
                SyncError::new(ErrorCode::InvalidValue)
                    .object(object)
                    .detail("JING duplicate rules: another record holds this value"),
            );
        }
        holders.hold(object, id, &touched(object, fields), keys);
        if self.changes(id, fields) {
            crate::fakes::lock(&self.written).insert(id.clone());
        }
        WriteResult::Ok(id.as_str().to_owned())
    }

    /// Apply a write to the kept values: whether it changed any (a record not listed is
    /// taken as changed).
    fn changes(&self, id: &JingId, fields: &Fields) -> bool {
        let mut values = crate::fakes::lock(&self.values);
        let known = values.contains_key(id);
        let record = values.entry(id.clone()).or_default();
        let mut changed = !known;
        for (field, value) in fields {
            let sent = value.to_jing_json();
            if record.get(field).unwrap_or(&Json::Null) != &sent {
                record.insert(field.clone(), sent);
                changed = true;
            }
        }
        changed
    }
}

#[async_trait]
impl JingPort for DryJing<'_> {
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.tally.write(&self.tally.creates, records.len());
        Ok(records.iter().map(|f| self.create_one(object, f)).collect())
    }
    async fn update(
        &self,
        object: &str,
        records: &[(JingId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.tally.write(&self.tally.updates, records.len());
        Ok(records
            .iter()
            .map(|(id, f)| self.update_one(object, id, f))
            .collect())
    }
    async fn invalidate(
        &self,
        object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.tally.write(&self.tally.deletes, ids.len());
        let mut holders = crate::fakes::lock(&self.holders);
        for id in ids {
            holders.hold(object, id, duplicate_fields(object), Vec::new());
        }
        Ok(ids
            .iter()
            .map(|id| WriteResult::Ok(id.as_str().to_owned()))
            .collect())
    }
    async fn employees(&self) -> Result<Vec<Employee>, RemoteError> {
        self.tally.read();
        self.real.employees().await
    }
    async fn create_employee(&self, _: &NewEmployee) -> Result<JingId, RemoteError> {
        self.tally.write(&self.tally.creates, 1);
        JingId::parse(&fake_id("dry-e", self.next.fetch_add(1, Ordering::Relaxed)))
            .map_err(|_| denied())
    }
    async fn changed_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        page: Option<&str>,
    ) -> Result<JingPage, RemoteError> {
        self.tally.read();
        self.real.changed_since(object, since, page).await
    }
}
