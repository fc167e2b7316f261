//! Records in memory: one indexed table per object, rows as Salesforce-shaped JSON maps.

use crate::table::Table;
use domain::ids::SfId;
use serde_json::{Map, Value};
use std::collections::HashMap;
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

/// All tables, with an undo journal for all-or-none requests (no copy of the org per request).
#[derive(Debug, Clone, Default)]
pub struct Store {
    tables: HashMap<&'static str, Table>,
    /// When rows were purged from the recycle bin (bounds `earliestDateAvailable`).
    pub purged_until: Option<OffsetDateTime>,
    journal: Journal,
    /// Rows written (inserted, changed, erased) since the org started, whoever wrote them:
    /// a test that must see no write compares it before and after.
    pub row_writes: u64,
}

/// Before-images of rows changed since the outermost open savepoint.
#[derive(Debug, Clone, Default)]
struct Journal {
    open: usize,
    undo: Vec<(&'static str, String, Option<Row>)>,
}

/// Where an all-or-none request started; see [`Store::savepoint`].
#[derive(Debug, Clone, Copy)]
pub struct Savepoint(usize);

impl Store {
    pub fn table(&self, object: &'static str) -> impl DoubleEndedIterator<Item = &Row> {
        self.tables.get(object).into_iter().flat_map(|t| t.rows())
    }
    /// The object's table with its indexes (None while it has no rows).
    pub fn indexed(&self, object: &str) -> Option<&Table> {
        self.tables.get(object)
    }
    pub fn get(&self, object: &'static str, id: &SfId) -> Option<&Row> {
        self.tables.get(object)?.get(id.as_str())
    }
    pub fn insert(&mut self, object: &'static str, id: &SfId, row: Row) {
        self.put(object, id.as_str(), Some(row));
    }
    /// Change a row in place (indexes follow); false when there is no such row.
    pub fn update(
        &mut self,
        object: &'static str,
        id: &SfId,
        change: impl FnOnce(&mut Row),
    ) -> bool {
        let Some(mut row) = self.get(object, id).cloned() else {
            return false;
        };
        change(&mut row);
        self.put(object, id.as_str(), Some(row));
        true
    }
    /// Rows (live or deleted) of `object` whose `field` may equal `value` (case-insensitive
    /// candidates from the field's index, in id order).
    pub fn candidates(&self, object: &'static str, field: &'static str, value: &str) -> Vec<&Row> {
        self.tables
            .get(object)
            .map_or_else(Vec::new, |t| t.candidates(field, [value]))
    }
    /// Any live or deleted row with this id, whatever its object.
    pub fn find(&self, id: &SfId) -> Option<(&'static str, &Row)> {
        let object = crate::schema::object_by_prefix(id.key_prefix())?;
        self.get(object.name, id).map(|r| (object.name, r))
    }
    pub fn live_count(&self, object: &'static str) -> usize {
        self.tables.get(object).map_or(0, Table::live_count)
    }
    /// Live and deleted rows.
    pub fn total_count(&self, object: &'static str) -> usize {
        self.tables.get(object).map_or(0, Table::len)
    }
    /// The recycle bin keeps a deleted row 15 days, then Salesforce erases it for good: gone
    /// from queryAll and getDeleted (whose window never reaches back further anyway).
    pub fn expire_recycle_bin(&mut self, now: OffsetDateTime) {
        self.erase_deleted(Some(now - RECYCLE_BIN_DAYS));
    }
    /// Empty the recycle bin: deleted rows vanish from queryAll and getDeleted.
    pub fn purge_deleted(&mut self, now: OffsetDateTime) {
        self.erase_deleted(None);
        self.purged_until = Some(now);
    }

    fn erase_deleted(&mut self, cutoff: Option<OffsetDateTime>) {
        let objects: Vec<&'static str> = self.tables.keys().copied().collect();
        for object in objects {
            let ids = self.tables[object].deleted_ids(cutoff);
            for id in ids {
                self.put(object, &id, None);
            }
        }
    }

    /// The one place rows change: indexes follow, and the journal keeps the before-image
    /// while a savepoint is open.
    fn put(&mut self, object: &'static str, id: &str, row: Option<Row>) {
        self.row_writes += 1;
        let old = self.tables.entry(object).or_default().set(id, row);
        if self.journal.open > 0 {
            self.journal.undo.push((object, id.to_owned(), old));
        }
    }

    /// Start an all-or-none unit of work; end it with [`Store::release`] or [`Store::rollback`].
    pub fn savepoint(&mut self) -> Savepoint {
        self.journal.open += 1;
        Savepoint(self.journal.undo.len())
    }
    /// Keep what changed since `sp`.
    pub fn release(&mut self, _sp: Savepoint) {
        self.close_savepoint();
    }
    /// Undo every change since `sp`, newest first.
    pub fn rollback(&mut self, sp: Savepoint) {
        while self.journal.undo.len() > sp.0 {
            let Some((object, id, before)) = self.journal.undo.pop() else {
                break;
            };
            self.tables.entry(object).or_default().set(&id, before);
        }
        self.close_savepoint();
    }
    fn close_savepoint(&mut self) {
        self.journal.open = self.journal.open.saturating_sub(1);
        if self.journal.open == 0 {
            self.journal.undo.clear();
        }
    }
}
