//! One object's rows with the indexes that keep every request's cost independent of the org's
//! size: primary key order (`ORDER BY Id`), `(SystemModstamp, Id)` order (polling, getUpdated),
//! recycle-bin order (getDeleted, purges), and equality indexes on any field a lookup uses
//! (duplicate rules, unique and external ids, `WHERE F IN (...)`), built on first use and then
//! maintained on every insert, update and delete.
//!
//! Index keys are lower-cased: a superset of both exact (id) and case-insensitive matches, so
//! callers always re-check their own predicate on the few candidates.

use crate::store::Row;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use time::OffsetDateTime;

/// Lower-cased value → ids holding it.
type ValueIndex = HashMap<String, BTreeSet<String>>;

#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: BTreeMap<String, Row>,
    live: usize,
    by_modstamp: BTreeSet<(String, String)>,
    by_deleted: BTreeSet<(OffsetDateTime, String)>,
    /// Built lazily by lookups (which only read the store), hence the cell.
    by_value: RefCell<HashMap<&'static str, ValueIndex>>,
}

/// The key an equality index files a value under.
pub fn fold(value: &str) -> String {
    value.to_lowercase()
}

impl Table {
    pub fn get(&self, id: &str) -> Option<&Row> {
        self.rows.get(id)
    }
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = &Row> {
        self.rows.values()
    }
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn live_count(&self) -> usize {
        self.live
    }

    /// Rows in id order from `from` on.
    pub fn rows_from(&self, from: Bound<&str>) -> impl Iterator<Item = &Row> {
        self.rows
            .range::<str, _>((from, Bound::Unbounded))
            .map(|(_, r)| r)
    }

    /// Rows in `(SystemModstamp, Id)` order from SystemModstamp `from` on.
    pub fn rows_by_modstamp(&self, from: Bound<&str>) -> impl Iterator<Item = &Row> {
        let start = match from {
            Bound::Included(m) => Bound::Included((m.to_owned(), String::new())),
            // Every id sorts before this, so the whole SystemModstamp `m` is skipped.
            Bound::Excluded(m) => Bound::Excluded((m.to_owned(), "\u{10FFFF}".to_owned())),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.by_modstamp
            .range((start, Bound::Unbounded))
            .filter_map(|(_, id)| self.rows.get(id))
    }

    /// Deleted rows with `deleted_at` in `[from, to)`, in that order.
    pub fn deleted_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> impl Iterator<Item = &Row> {
        let lo = (from, String::new());
        self.by_deleted
            .range(lo..)
            .take_while(move |(d, _)| *d < to)
            .filter_map(|(_, id)| self.rows.get(id))
    }

    /// Ids of deleted rows whose `deleted_at` is before `cutoff` (all deleted rows when None).
    pub fn deleted_ids(&self, cutoff: Option<OffsetDateTime>) -> Vec<String> {
        self.by_deleted
            .iter()
            .take_while(|(d, _)| cutoff.is_none_or(|c| *d < c))
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Rows (live or deleted) whose `field` may equal one of `values`, in id order. Candidates
    /// only: the index is case-insensitive, callers apply their own comparison.
    pub fn candidates<'v>(
        &self,
        field: &'static str,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Vec<&Row> {
        let mut by_value = self.by_value.borrow_mut();
        let index = by_value
            .entry(field)
            .or_insert_with(|| build_index(&self.rows, field));
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for v in values {
            if let Some(set) = index.get(&fold(v)) {
                ids.extend(set.iter().map(String::as_str));
            }
        }
        ids.into_iter().filter_map(|id| self.rows.get(id)).collect()
    }

    /// Put `row` under `id` (None removes it); returns what was there. Every index follows.
    pub fn set(&mut self, id: &str, row: Option<Row>) -> Option<Row> {
        let old = self.rows.remove(id);
        if let Some(old) = &old {
            self.unindex(id, old);
        }
        if let Some(row) = row {
            self.index(id, &row);
            self.rows.insert(id.to_owned(), row);
        }
        old
    }

    fn index(&mut self, id: &str, row: &Row) {
        self.live += usize::from(!row.is_deleted());
        if let Some(m) = row.text("SystemModstamp") {
            self.by_modstamp.insert((m.to_owned(), id.to_owned()));
        }
        if let Some(d) = row.deleted_at {
            self.by_deleted.insert((d, id.to_owned()));
        }
        for (field, index) in self.by_value.get_mut() {
            if let Some(v) = row.text(field) {
                index.entry(fold(v)).or_default().insert(id.to_owned());
            }
        }
    }

    fn unindex(&mut self, id: &str, row: &Row) {
        self.live -= usize::from(!row.is_deleted());
        if let Some(m) = row.text("SystemModstamp") {
            self.by_modstamp.remove(&(m.to_owned(), id.to_owned()));
        }
        if let Some(d) = row.deleted_at {
            self.by_deleted.remove(&(d, id.to_owned()));
        }
        for (field, index) in self.by_value.get_mut() {
            let Some(key) = row.text(field).map(fold) else {
                continue;
            };
            if let Some(set) = index.get_mut(&key) {
                set.remove(id);
                if set.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }
}

fn build_index(rows: &BTreeMap<String, Row>, field: &str) -> ValueIndex {
    let mut index = ValueIndex::new();
    for (id, row) in rows {
        if let Value::String(v) = row.get(field) {
            index.entry(fold(v)).or_default().insert(id.clone());
        }
    }
    index
}
