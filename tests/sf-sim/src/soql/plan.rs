//! Which rows a query has to look at: the few ids an `Id`/indexed-field equality or `IN`
//! names, a range of the `Id` or `(SystemModstamp, Id)` order, or (only when nothing narrows
//! it) the whole table. Every candidate is still checked against the full `WHERE`, so a plan
//! only ever saves work; it never changes an answer.

use super::ast::{Cond, FieldRef, Lit, OrderItem, Query};
use crate::schema::Kind;
use std::cmp::Ordering;

/// Where candidates come from, and in which order they arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Rows whose `field` equals one of `values` (`field` = `Id`: primary keys); id order.
    Keys {
        field: &'static str,
        values: Vec<String>,
    },
    /// Rows within `Id` bounds, in id order.
    Ids(Range),
    /// Rows within `SystemModstamp` bounds, in `(SystemModstamp, Id)` order.
    Modstamps(Range),
}

/// Where a scan starts and where it can stop (None: the table's ends).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Range {
    pub from: Option<Bound>,
    pub to: Option<Bound>,
}

impl Range {
    fn of(c: Option<&Cond>, field: &str) -> Range {
        Range {
            from: c.and_then(|c| bound(c, field, Side::Lower)),
            to: c.and_then(|c| bound(c, field, Side::Upper)),
        }
    }
    /// Whether `value` is not past the upper bound (a scan in this order can stop after it).
    pub fn below_end(&self, value: &str) -> bool {
        self.to
            .as_ref()
            .is_none_or(|b| match value.cmp(b.value.as_str()) {
                Ordering::Less => true,
                Ordering::Equal => b.inclusive,
                Ordering::Greater => false,
            })
    }
}

/// A bound: the value and whether rows equal to it can match.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub value: String,
    pub inclusive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub source: Source,
    /// The source already yields rows in the `ORDER BY` order: a `LIMIT` can stop the scan.
    pub ordered: bool,
}

const MODSTAMP: &str = "SystemModstamp";

pub fn plan(q: &Query) -> Plan {
    let filter = q.filter.as_ref();
    if let Some((field, values)) = filter.and_then(keys) {
        return Plan {
            source: Source::Keys { field, values },
            ordered: in_id_order(&q.order),
        };
    }
    let modstamps = Range::of(filter, MODSTAMP);
    if modstamps != Range::default() && by_modstamp(&q.order) {
        return Plan {
            source: Source::Modstamps(modstamps),
            ordered: true,
        };
    }
    Plan {
        source: Source::Ids(Range::of(filter, "Id")),
        ordered: in_id_order(&q.order),
    }
}

/// No order (Salesforce's is unspecified; the table's is id order) or `ORDER BY Id ASC`.
fn in_id_order(order: &[OrderItem]) -> bool {
    match order {
        [] => true,
        [only] => is_field(&only.field, "Id") && !only.desc,
        _ => false,
    }
}

/// `ORDER BY SystemModstamp ASC[, Id ASC]`: ties on SystemModstamp come in id order anyway.
fn by_modstamp(order: &[OrderItem]) -> bool {
    match order {
        [first, rest @ ..] if is_field(&first.field, MODSTAMP) && !first.desc => match rest {
            [] => true,
            [second] => is_field(&second.field, "Id") && !second.desc,
            _ => false,
        },
        _ => false,
    }
}

fn is_field(f: &FieldRef, name: &str) -> bool {
    matches!(f, FieldRef::Direct(d) if d.name == name)
}

/// A field whose values are JSON strings, so equality is string equality.
fn string_valued(f: &FieldRef) -> Option<&'static str> {
    match f {
        FieldRef::Direct(d)
            if d.kind.is_textual() || matches!(d.kind, Kind::Id | Kind::Reference) =>
        {
            Some(d.name)
        }
        _ => None,
    }
}

fn texts(lits: &[Lit]) -> Option<Vec<String>> {
    lits.iter()
        .map(|l| match l {
            Lit::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// `F = 'v'`, `F IN (...)`, an `AND` with one of those (`Id` preferred), or an `OR` of those
/// on one field: the only values a matching row's `F` can hold.
fn keys(c: &Cond) -> Option<(&'static str, Vec<String>)> {
    match c {
        Cond::Cmp(f, "=", lit) => Some((string_valued(f)?, texts(std::slice::from_ref(lit))?)),
        Cond::In(f, false, lits) => Some((string_valued(f)?, texts(lits)?)),
        Cond::And(parts) => {
            let found: Vec<_> = parts.iter().filter_map(keys).collect();
            let id = found.iter().position(|(f, _)| *f == "Id");
            found.into_iter().nth(id.unwrap_or(0))
        }
        Cond::Or(parts) => {
            let mut all = parts.iter().map(keys);
            let (field, mut values) = all.next()??;
            for next in all {
                let (f, v) = next?;
                if f != field {
                    return None;
                }
                values.extend(v);
            }
            Some((field, values))
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Lower,
    Upper,
}

/// The smallest (`Lower`) or largest (`Upper`) value `field` can take in a matching row, in
/// string order, as the evaluator compares ids and datetimes.
fn bound(c: &Cond, field: &str, side: Side) -> Option<Bound> {
    match c {
        Cond::Cmp(f, op, lit) if is_field(f, field) => {
            let value = match lit {
                Lit::Text(v) | Lit::DateTime(v) => v.clone(),
                _ => return None,
            };
            let inclusive = match (side, *op) {
                (_, "=") | (Side::Lower, ">=") | (Side::Upper, "<=") => true,
                (Side::Lower, ">") | (Side::Upper, "<") => false,
                _ => return None,
            };
            Some(Bound { value, inclusive })
        }
        // Every part holds: the tightest bound of any part.
        Cond::And(parts) => parts
            .iter()
            .filter_map(|p| bound(p, field, side))
            .max_by(|a, b| tightness(a, b, side)),
        // One part holds: the loosest, and only when every part bounds the field.
        Cond::Or(parts) => {
            let bounds: Option<Vec<Bound>> = parts.iter().map(|p| bound(p, field, side)).collect();
            bounds?.into_iter().min_by(|a, b| tightness(a, b, side))
        }
        _ => None,
    }
}

/// Orders bounds of one side from loosest to tightest.
fn tightness(a: &Bound, b: &Bound, side: Side) -> Ordering {
    let by_value = match side {
        Side::Lower => a.value.cmp(&b.value),
        Side::Upper => b.value.cmp(&a.value),
    };
    by_value.then(b.inclusive.cmp(&a.inclusive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soql::parse;

    fn source(soql: &str) -> Plan {
        plan(&parse(soql).unwrap())
    }

    fn at(value: &str, inclusive: bool) -> Option<Bound> {
        let value = value.to_owned();
        Some(Bound { value, inclusive })
    }

    #[test]
    fn equalities_and_in_lists_name_their_keys() {
        let p = source("SELECT Id FROM Lead WHERE Email IN ('a@x.example', 'B@x.example')");
        let values = vec!["a@x.example".to_owned(), "B@x.example".to_owned()];
        assert_eq!(
            p.source,
            Source::Keys {
                field: "Email",
                values
            }
        );
        let p = source("SELECT Id FROM Lead WHERE Company = 'Acme' AND Id = '00Q000000000000EAA'");
        assert!(matches!(p.source, Source::Keys { field: "Id", .. }));
        let p = source("SELECT Id FROM Lead WHERE Email = 'a@x.example' OR Company = 'Acme'");
        let scan = Source::Ids(Range::default());
        assert_eq!(p.source, scan, "an OR over two fields scans");
        let p = source("SELECT Id FROM Lead WHERE Email != 'a@x.example'");
        assert_eq!(p.source, scan);
    }

    #[test]
    fn polling_queries_walk_the_modstamp_order_between_their_bounds() {
        let p = source(
            "SELECT Id FROM Lead WHERE (SystemModstamp > 2024-05-01T10:00:00Z OR (SystemModstamp = 2024-05-01T10:00:00Z AND Id > '00Q000000000000EAA')) AND SystemModstamp <= 2024-05-02T00:00:00Z ORDER BY SystemModstamp, Id LIMIT 10",
        );
        let range = Range {
            from: at("2024-05-01T10:00:00.000+0000", true),
            to: at("2024-05-02T00:00:00.000+0000", true),
        };
        assert_eq!(p.source, Source::Modstamps(range.clone()));
        assert!(p.ordered);
        assert!(range.below_end("2024-05-02T00:00:00.000+0000"));
        assert!(!range.below_end("2024-05-02T00:00:01.000+0000"));
        let p = source(
            "SELECT Id FROM Lead WHERE SystemModstamp > 2024-05-01T10:00:00Z ORDER BY Email",
        );
        let scan = Source::Ids(Range::default());
        assert_eq!(p.source, scan, "another order: scan and sort");
    }

    #[test]
    fn id_ranges_keep_the_tightest_bounds() {
        let p = source(
            "SELECT Id FROM Lead WHERE Id > '00Q000000000000EAA' AND Id >= '00Q000000000001EAA' AND Id < '00Q000000000009EAA' ORDER BY Id LIMIT 5",
        );
        let range = Range {
            from: at("00Q000000000001EAA", true),
            to: at("00Q000000000009EAA", false),
        };
        assert_eq!(p.source, Source::Ids(range));
        assert!(p.ordered);
        assert!(!source("SELECT Id FROM Lead ORDER BY Id DESC").ordered);
    }
}
