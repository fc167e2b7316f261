//! A plan's values by field name. The names are the mapping's own, borrowed rather than copied
//! for every record, and each mapped field comes once, in the mapping's order: a vector does
//! what a map would, without its nodes, key comparisons and per-record allocations.

use crate::value::Value;
use std::collections::BTreeMap;

/// Values by field name (the mapping's names), each field once, in the mapping's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldValues<'m>(Vec<(&'m str, Value)>);

impl<'m> FieldValues<'m> {
    /// Room for `fields` values, allocated once.
    pub(super) fn with_capacity(fields: usize) -> Self {
        Self(Vec::with_capacity(fields))
    }

    /// The planner adds each mapped field once (mapped names are unique).
    pub(super) fn push(&mut self, field: &'m str, value: Value) {
        debug_assert!(self.get(field).is_none(), "{field} planned twice");
        self.0.push((field, value));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, field: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    pub fn remove(&mut self, field: &str) -> Option<Value> {
        let at = self.0.iter().position(|(f, _)| *f == field)?;
        Some(self.0.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'m str, &Value)> + Clone {
        self.0.iter().map(|(f, v)| (*f, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &'m str> + '_ {
        self.0.iter().map(|(f, _)| *f)
    }

    /// The values keyed by owned names, for what outlives the mapping (queues, stores).
    pub fn into_map(self) -> BTreeMap<String, Value> {
        self.0.into_iter().map(|(f, v)| (f.to_owned(), v)).collect()
    }
}

impl std::ops::Index<&str> for FieldValues<'_> {
    type Output = Value;

    fn index(&self, field: &str) -> &Value {
        self.get(field)
            .unwrap_or_else(|| panic!("no value for {field}"))
    }
}

impl<'m> IntoIterator for FieldValues<'m> {
    type Item = (&'m str, Value);
    type IntoIter = std::vec::IntoIter<(&'m str, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Views keyed by owned names, for what outlives the mapping (see [`FieldValues::into_map`]).
pub fn owned_views<V>(views: Vec<(&str, V)>) -> Vec<(String, V)> {
    views.into_iter().map(|(f, v)| (f.to_owned(), v)).collect()
}
