//! Evaluating a parsed query over the store: filter, order, limit, project.

use super::ast::{Cond, FieldRef, Lit, OrderItem, Query, Select};
use super::lexer::SChar;
use super::plan::{self, Source};
use crate::records::attributes;
use crate::schema::Kind;
use crate::store::{Row, Store};
use domain::ids::SfId;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;

/// Rows matching the query, ordered and limited. `all_rows` = queryAll (recycle bin included).
/// Only the rows the plan names are looked at; a `LIMIT` stops a scan that is already in order.
pub fn select_rows<'a>(q: &Query, store: &'a Store, all_rows: bool) -> Vec<&'a Row> {
    let plan = plan::plan(q);
    let keep = |r: &&Row| {
        (all_rows || !r.is_deleted()) && q.filter.as_ref().is_none_or(|c| matches(c, r, store))
    };
    let stop_after = if plan.ordered { q.limit } else { None };
    let mut rows: Vec<&Row> = candidates(&plan.source, q.object.name, store)
        .filter(keep)
        .take(stop_after.unwrap_or(usize::MAX))
        .collect();
    if !plan.ordered && !q.order.is_empty() {
        // Decorate-sort-undecorate: resolve (and lower-case) each sort key once, not per compare.
        let mut keyed: Vec<(Vec<Value>, &Row)> = rows
            .into_iter()
            .map(|r| (sort_keys(&q.order, r, store), r))
            .collect();
        keyed.sort_by(|a, b| order(&q.order, &a.0, &b.0));
        rows = keyed.into_iter().map(|(_, r)| r).collect();
    }
    if let Some(n) = q.limit {
        rows.truncate(n);
    }
    rows
}

/// How many rows match: `COUNT()` without a filter reads the table's counters.
pub fn count_rows(q: &Query, store: &Store, all_rows: bool) -> usize {
    match (&q.filter, q.limit) {
        (None, None) if all_rows => store.total_count(q.object.name),
        (None, None) => store.live_count(q.object.name),
        _ => select_rows(q, store, all_rows).len(),
    }
}

/// The rows a plan names, in its order (id order unless it walks SystemModstamp).
fn candidates<'a: 's, 's>(
    source: &'s Source,
    object: &'static str,
    store: &'a Store,
) -> Box<dyn Iterator<Item = &'a Row> + 's> {
    let Some(table) = store.indexed(object) else {
        return Box::new(std::iter::empty());
    };
    let from = |b: &'s plan::Bound| {
        if b.inclusive {
            Bound::Included(b.value.as_str())
        } else {
            Bound::Excluded(b.value.as_str())
        }
    };
    match source {
        Source::Keys {
            field: "Id",
            values,
        } => {
            let ids: BTreeSet<&str> = values.iter().map(String::as_str).collect();
            Box::new(ids.into_iter().filter_map(|id| table.get(id)))
        }
        Source::Keys { field, values } => Box::new(
            table
                .candidates(field, values.iter().map(String::as_str))
                .into_iter(),
        ),
        Source::Ids(range) => {
            let start = range.from.as_ref().map_or(Bound::Unbounded, from);
            let rows = table.rows_from(start);
            Box::new(rows.take_while(|r| range.below_end(r.text("Id").unwrap_or_default())))
        }
        Source::Modstamps(range) => {
            let start = range.from.as_ref().map_or(Bound::Unbounded, from);
            let rows = table.rows_by_modstamp(start);
            let stamp = |r: &Row| r.text("SystemModstamp").unwrap_or_default().to_owned();
            Box::new(rows.take_while(move |r| range.below_end(&stamp(r))))
        }
    }
}

/// A field's value on a row, following one parent lookup.
pub fn value_of(f: &FieldRef, row: &Row, store: &Store) -> Value {
    match f {
        FieldRef::Direct(field) => row.get(field.name).clone(),
        FieldRef::Parent { lookup, field, .. } => {
            parent(row, lookup.name, store).map_or(Value::Null, |(_, p)| p.get(field).clone())
        }
    }
}

fn parent<'a>(row: &Row, lookup: &str, store: &'a Store) -> Option<(&'static str, &'a Row)> {
    let id = SfId::parse(row.text(lookup)?).ok()?;
    store.find(&id)
}

fn matches(c: &Cond, row: &Row, store: &Store) -> bool {
    match c {
        Cond::And(parts) => parts.iter().all(|p| matches(p, row, store)),
        Cond::Or(parts) => parts.iter().any(|p| matches(p, row, store)),
        Cond::Not(inner) => !matches(inner, row, store),
        Cond::Cmp(f, op, lit) => compare_op(&value_of(f, row, store), op, lit, exact(f)),
        Cond::In(f, negated, lits) => {
            let v = value_of(f, row, store);
            lits.iter().any(|l| compare_op(&v, "=", l, exact(f))) != *negated
        }
        Cond::Like(f, pattern) => value_of(f, row, store)
            .as_str()
            .is_some_and(|s| like(s, pattern)),
    }
}

/// Ids compare exactly (15-char ids are case-sensitive); text compares case-insensitively.
fn exact(f: &FieldRef) -> bool {
    matches!(f.kind(), Kind::Id | Kind::Reference)
}

fn compare_op(v: &Value, op: &str, lit: &Lit, exact: bool) -> bool {
    if *lit == Lit::Null {
        return (op == "=") == v.is_null();
    }
    let Some(ord) = compare_value(v, lit, exact) else {
        // A null field is "not equal" to any value, as in SOQL.
        return op == "!=";
    };
    match op {
        "=" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        "<" => ord == Ordering::Less,
        ">" => ord == Ordering::Greater,
        "<=" => ord != Ordering::Greater,
        ">=" => ord != Ordering::Less,
        _ => false,
    }
}

fn compare_value(v: &Value, lit: &Lit, exact: bool) -> Option<Ordering> {
    match (v, lit) {
        (Value::Null, _) => None,
        (Value::String(s), Lit::Text(t)) if exact => Some(s.as_str().cmp(t.as_str())),
        (Value::String(s), Lit::Text(t)) => Some(s.to_lowercase().cmp(&t.to_lowercase())),
        (Value::String(s), Lit::Date(t) | Lit::DateTime(t)) => Some(s.as_str().cmp(t.as_str())),
        (Value::Number(n), Lit::Num(m)) => n.as_f64()?.partial_cmp(m),
        (Value::Bool(b), Lit::Bool(c)) => Some(b.cmp(c)),
        _ => None,
    }
}

/// SOQL LIKE: `%` any run, `_` one char, escaped wildcards literal; case-insensitive.
fn like(s: &str, pattern: &[SChar]) -> bool {
    let text: Vec<char> = s.to_lowercase().chars().collect();
    let pat: Vec<SChar> = pattern
        .iter()
        .map(|c| match c {
            SChar::Lit(ch) => SChar::Lit(ch.to_lowercase().next().unwrap_or(*ch)),
            other => other.clone(),
        })
        .collect();
    like_at(&text, &pat)
}

fn like_at(text: &[char], pat: &[SChar]) -> bool {
    match pat.split_first() {
        None => text.is_empty(),
        Some((SChar::Lit('%'), rest)) => (0..=text.len()).any(|i| like_at(&text[i..], rest)),
        Some((SChar::Lit('_'), rest)) => !text.is_empty() && like_at(&text[1..], rest),
        Some((SChar::Lit(c) | SChar::Escaped(c), rest)) => {
            text.first() == Some(c) && like_at(&text[1..], rest)
        }
    }
}

fn sort_keys(items: &[OrderItem], row: &Row, store: &Store) -> Vec<Value> {
    items
        .iter()
        .map(|item| match value_of(&item.field, row, store) {
            Value::String(s) if !exact(&item.field) => Value::String(s.to_lowercase()),
            v => v,
        })
        .collect()
}

fn order(items: &[OrderItem], a: &[Value], b: &[Value]) -> Ordering {
    for (item, (va, vb)) in items.iter().zip(a.iter().zip(b)) {
        let ord = match (va.is_null(), vb.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if item.nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if item.nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, false) => {
                let o = sort_cmp(va, vb);
                if item.desc { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Keys are pre-normalised (text lower-cased unless exact), so plain comparisons suffice.
fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// A result row as REST JSON: selected fields in order, parent fields nested under the
/// relationship name (`null` when the lookup is empty).
pub fn project(q: &Query, row: &Row, store: &Store, version: &str) -> Value {
    let Select::Fields(fields) = &q.select else {
        return Value::Null;
    };
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        attributes(version, q.object.name, row.text("Id").unwrap_or_default()),
    );
    for f in fields {
        match f {
            FieldRef::Direct(field) => {
                out.insert(field.name.to_owned(), row.get(field.name).clone());
            }
            FieldRef::Parent {
                lookup,
                relationship,
                field,
            } => {
                let slot = out.entry((*relationship).to_owned()).or_insert_with(|| {
                    match parent(row, lookup.name, store) {
                        Some((ty, p)) => {
                            let mut m = Map::new();
                            m.insert(
                                "attributes".into(),
                                attributes(version, ty, p.text("Id").unwrap_or_default()),
                            );
                            Value::Object(m)
                        }
                        None => Value::Null,
                    }
                });
                if let Value::Object(m) = slot {
                    let value = parent(row, lookup.name, store)
                        .map_or(Value::Null, |(_, p)| p.get(field).clone());
                    m.insert((*field).to_owned(), value);
                }
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
