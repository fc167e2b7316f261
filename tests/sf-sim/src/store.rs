//! Records in memory: one table per object, rows as Salesforce-shaped JSON maps.

use domain::ids::SfId;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// How long the recycle bin keeps deleted rows.
pub const RECYCLE_BIN_DAYS: time::Duration = time::Duration::days(15);

/// One record: every field of its object (null when unset), values in REST JSON form
/// (datetimes `…+0000` in UTC, so string order is time order).
#[derive(Debug, Clone)]
pub struct Row {
    pub fields: Map<String, Value>,
    /// When it went to the recycle bin.
    pub deleted_at: Option<OffsetDateTime>,
}

impl Row {
    pub fn get(&self, field: &str) -> &Value {
        self.fields.get(field).unwrap_or(&Value::Null)
    }
    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field).as_str()
    }
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// All tables. Cloned whole for all-or-none rollback (tests hold few records).
#[derive(Debug, Clone, Default)]
pub struct Store {
    tables: HashMap<&'static str, BTreeMap<String, Row>>,
    /// When rows were purged from the recycle bin (bounds `earliestDateAvailable`).
    pub purged_until: Option<OffsetDateTime>,
}

impl Store {
    pub fn table(&self, object: &'static str) -> impl Iterator<Item = &Row> {
        self.tables.get(object).into_iter().flat_map(|t| t.values())
    }
    pub fn get(&self, object: &'static str, id: &SfId) -> Option<&Row> {
        self.tables.get(object)?.get(id.as_str())
    }
    pub fn get_mut(&mut self, object: &'static str, id: &SfId) -> Option<&mut Row> {
        self.tables.get_mut(object)?.get_mut(id.as_str())
    }
    pub fn insert(&mut self, object: &'static str, id: &SfId, row: Row) {
        self.tables
            .entry(object)
            .or_default()
            .insert(id.as_str().to_owned(), row);
    }
    /// Any live or deleted row with this id, whatever its object.
    pub fn find(&self, id: &SfId) -> Option<(&'static str, &Row)> {
        let object = crate::schema::object_by_prefix(id.key_prefix())?;
        self.get(object.name, id).map(|r| (object.name, r))
    }
    pub fn live_count(&self, object: &'static str) -> usize {
        self.table(object).filter(|r| !r.is_deleted()).count()
    }
    /// The recycle bin keeps a deleted row 15 days, then Salesforce erases it for good: gone
    /// from queryAll and getDeleted (whose window never reaches back further anyway).
    pub fn expire_recycle_bin(&mut self, now: OffsetDateTime) {
        let cutoff = now - RECYCLE_BIN_DAYS;
        for t in self.tables.values_mut() {
            t.retain(|_, r| r.deleted_at.is_none_or(|d| d >= cutoff));
        }
    }
    /// Empty the recycle bin: deleted rows vanish from queryAll and getDeleted.
    pub fn purge_deleted(&mut self, now: OffsetDateTime) {
        for t in self.tables.values_mut() {
            t.retain(|_, r| !r.is_deleted());
        }
        self.purged_until = Some(now);
    }
}
