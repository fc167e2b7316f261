//! Records and employees of the simulated tenant, with JING's rules: required fields, option
//! fields, references, and the duplicate rules (mobile or e-mail for leads, name for accounts,
//! mobile or e-mail for employees).

use crate::schema::{self, Field, Kind, Refusal};
use jing::contract::codes;
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub object: String,
    pub fields: Map<String, Json>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub invalid: bool,
    /// The last change came through the open API (our connector), not a person.
    pub by_api: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeRec {
    pub id: String,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// A field that changed: (before, after).
pub type Diff = BTreeMap<String, (Json, Json)>;

#[derive(Debug, Default)]
pub struct Store {
    pub records: BTreeMap<String, Record>,
    pub employees: BTreeMap<String, EmployeeRec>,
    /// (object, dedup field, normalized value) → live record id: O(1) duplicate checks.
    dedup: HashMap<(String, &'static str, String), String>,
    /// object → (updated_ms, id) of its records, live or not: the change list's order.
    changed: HashMap<String, BTreeSet<(i64, String)>>,
    /// (`mobile`/`email`, normalized value) → employee id: O(1) employee dedup and queries.
    pub(crate) employee_keys: HashMap<(&'static str, String), String>,
}

/// A JING-style short uuid (base57, 22 characters).
pub fn new_id() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    (0..22)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn norm_mobile(s: &str) -> String {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_owned(),
        _ => digits,
    }
}

pub(crate) fn norm(field: &str, v: &Json) -> Option<String> {
    let s = v.as_str()?.trim();
    if s.is_empty() {
        return None;
    }
    Some(if field == "mobile" {
        norm_mobile(s)
    } else {
        s.to_lowercase()
    })
}

fn dedup_keys(object: &str) -> &'static [&'static str] {
    match object {
        "lead" => &["mobile", "email"],
        "account" => &["company_id"],
        _ => &[],
    }
}

impl Store {
    pub fn create(
        &mut self,
        object: &str,
        fields: &Map<String, Json>,
        now_ms: i64,
    ) -> Result<String, Refusal> {
        let (schema, _) = schema::object(object).ok_or_else(|| unknown_object(object))?;
        self.check_fields(schema, fields)?;
        for f in schema.iter().filter(|f| f.required) {
            if fields
                .get(f.code)
                .and_then(Json::as_str)
                .is_none_or(|s| s.trim().is_empty())
            {
                return Err(Refusal::new(
                    codes::REQUIRED_FIELD_MISSING,
                    format!("{} is required", f.code),
                    Some(f.code),
                ));
            }
        }
        self.check_duplicates(object, None, fields)?;
        let mut stored = fields.clone();
        if object == "lead" && !stored.contains_key("life_status") {
            stored.insert("life_status".into(), Json::String("baby_lead".into()));
        }
        let id = new_id();
        let rec = Record {
            id: id.clone(),
            object: object.to_owned(),
            fields: stored,
            created_ms: now_ms,
            updated_ms: now_ms,
            invalid: false,
            by_api: false,
        };
        self.records.insert(id.clone(), rec);
        self.index(&id);
        self.touch(object, &id, None, now_ms);
        Ok(id)
    }

    /// Apply an update; returns the fields whose value actually changed.
    pub fn update(
        &mut self,
        object: &str,
        id: &str,
        fields: &Map<String, Json>,
        now_ms: i64,
    ) -> Result<Diff, Refusal> {
        let (schema, _) = schema::object(object).ok_or_else(|| unknown_object(object))?;
        let rec = self.live(object, id)?;
        self.check_fields(schema, fields)?;
        for f in schema.iter().filter(|f| f.required) {
            if fields
                .get(f.code)
                .is_some_and(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
            {
                return Err(Refusal::new(
                    codes::REQUIRED_FIELD_MISSING,
                    format!("{} cannot be cleared", f.code),
                    Some(f.code),
                ));
            }
        }
        let before = rec.fields.clone();
        self.check_duplicates(object, Some(id), fields)?;
        let mut diff = Diff::new();
        for (k, v) in fields {
            let old = before.get(k).cloned().unwrap_or(Json::Null);
            if old != *v {
                diff.insert(k.clone(), (old, v.clone()));
            }
        }
        self.unindex(id);
        let mut moved = None;
        if let Some(rec) = self.records.get_mut(id).filter(|_| !diff.is_empty()) {
            for (k, (_, after)) in &diff {
                rec.fields.insert(k.clone(), after.clone());
            }
            moved = Some(rec.updated_ms);
            rec.updated_ms = now_ms;
        }
        self.index(id);
        if let Some(before) = moved {
            self.touch(object, id, Some(before), now_ms);
        }
        Ok(diff)
    }

    /// Invalidate (作废); true when it was live before.
    pub fn invalidate(&mut self, object: &str, id: &str, now_ms: i64) -> Result<bool, Refusal> {
        match self.get(object, id) {
            None => return Err(not_found(id)),
            Some(r) if r.invalid => return Ok(false),
            Some(_) => self.unindex(id),
        }
        let mut before = None;
        if let Some(r) = self.records.get_mut(id) {
            r.invalid = true;
            before = Some(r.updated_ms);
            r.updated_ms = now_ms;
        }
        if before.is_some() {
            self.touch(object, id, before, now_ms);
        }
        Ok(true)
    }

    /// Record who made the last change of `id`.
    pub fn mark_by_api(&mut self, id: &str, by_api: bool) {
        if let Some(r) = self.records.get_mut(id) {
            r.by_api = by_api;
        }
    }

    pub fn get(&self, object: &str, id: &str) -> Option<&Record> {
        self.records.get(id).filter(|r| r.object == object)
    }

    fn live(&self, object: &str, id: &str) -> Result<&Record, Refusal> {
        match self.get(object, id) {
            None => Err(not_found(id)),
            Some(r) if r.invalid => Err(Refusal::new(
                codes::RECORD_INVALIDATED,
                format!("{id} is invalidated"),
                None,
            )),
            Some(r) => Ok(r),
        }
    }

    /// Records changed at or after `since_ms`, ordered by (updated, id), after `cursor`: a walk
    /// of the object's change order from that point, however many records it holds.
    pub fn list_changed(
        &self,
        object: &str,
        since_ms: i64,
        after: Option<(i64, String)>,
        size: usize,
    ) -> (Vec<&Record>, Option<(i64, String)>) {
        let from = (since_ms, String::new());
        let start = match after {
            Some(cursor) if cursor >= from => Bound::Excluded(cursor),
            _ => Bound::Included(from),
        };
        let mut page: Vec<&Record> = self
            .changed
            .get(object)
            .into_iter()
            .flat_map(|order| order.range((start.clone(), Bound::Unbounded)))
            .filter_map(|(_, id)| self.records.get(id))
            .take(size + 1)
            .collect();
        let more = page.len() > size;
        page.truncate(size);
        let next = if more {
            page.last().map(|r| (r.updated_ms, r.id.clone()))
        } else {
            None
        };
        (page, next)
    }

    /// Move `id` in its object's change order (from `before`, when it was already there).
    fn touch(&mut self, object: &str, id: &str, before: Option<i64>, now_ms: i64) {
        let order = self.changed.entry(object.to_owned()).or_default();
        if let Some(ms) = before {
            order.remove(&(ms, id.to_owned()));
        }
        order.insert((now_ms, id.to_owned()));
    }

    fn check_fields(&self, schema: &[Field], fields: &Map<String, Json>) -> Result<(), Refusal> {
        for (code, v) in fields {
            let f = schema.iter().find(|f| f.code == code).ok_or_else(|| {
                Refusal::new(
                    codes::UNKNOWN_FIELD,
                    format!("unknown field {code}"),
                    Some(code),
                )
            })?;
            schema::check_value(f, v)?;
            self.check_reference(f, v)?;
        }
        Ok(())
    }

    fn check_reference(&self, f: &Field, v: &Json) -> Result<(), Refusal> {
        let Some(id) = v.as_str().filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        let exists = match f.kind {
            Kind::Employee => self.employees.contains_key(id),
            Kind::Account => self.get("account", id).is_some_and(|a| !a.invalid),
            _ => return Ok(()),
        };
        if exists {
            Ok(())
        } else {
            Err(Refusal::new(
                codes::INVALID_REFERENCE,
                format!("{}: {id} does not exist", f.code),
                Some(f.code),
            ))
        }
    }

    fn check_duplicates(
        &self,
        object: &str,
        own: Option<&str>,
        fields: &Map<String, Json>,
    ) -> Result<(), Refusal> {
        for key in dedup_keys(object) {
            let Some(wanted) = fields.get(*key).and_then(|v| norm(key, v)) else {
                continue;
            };
            match self.dedup.get(&(object.to_owned(), *key, wanted)) {
                Some(id) if Some(id.as_str()) != own => return Err(Refusal::duplicate(id, key)),
                _ => {}
            }
        }
        Ok(())
    }

    fn dedup_entries(&self, id: &str) -> Vec<(String, &'static str, String)> {
        let Some(r) = self.records.get(id).filter(|r| !r.invalid) else {
            return Vec::new();
        };
        dedup_keys(&r.object)
            .iter()
            .filter_map(|k| {
                Some((
                    r.object.clone(),
                    *k,
                    r.fields.get(*k).and_then(|v| norm(k, v))?,
                ))
            })
            .collect()
    }

    fn index(&mut self, id: &str) {
        for entry in self.dedup_entries(id) {
            self.dedup.insert(entry, id.to_owned());
        }
    }

    fn unindex(&mut self, id: &str) {
        for entry in self.dedup_entries(id) {
            if self.dedup.get(&entry).is_some_and(|owner| owner == id) {
                self.dedup.remove(&entry);
            }
        }
    }
}

fn unknown_object(object: &str) -> Refusal {
    Refusal::new(
        codes::BAD_REQUEST,
        format!("unknown object_name {object:?}"),
        None,
    )
}

fn not_found(id: &str) -> Refusal {
    Refusal::new(codes::NOT_FOUND, format!("{id} not found"), None)
}
