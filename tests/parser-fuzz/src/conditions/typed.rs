//! Scopes typed for the simulator's Lead (each operator and value fits its field's kind): the
//! rendered clause is accepted by the simulator's SOQL parser and read back as the same scope.

use domain::conditions::{CondValue, Condition, ConditionGroup, Op, Scope};
use proptest::prelude::*;
use proptest::test_runner::Config;
use sf_sim::schema::Kind;
use sf_sim::soql::ast::{Cond, Lit};
use time::{Date, Duration, OffsetDateTime};

use super::NOW;
use super::json::text;
use crate::check;
use crate::soql::like_chars;

/// Lead fields the simulator can filter on, by kind (ids and references need real ids).
fn lead_fields() -> Vec<(&'static str, Kind)> {
    let lead = sf_sim::schema::object("Lead").unwrap();
    let mut fields: Vec<(&'static str, Kind)> = lead
        .fields
        .iter()
        .filter(|f| !matches!(f.kind, Kind::Id | Kind::Reference | Kind::MultiPicklist))
        .map(|f| (f.name, f.kind))
        .collect();
    fields.extend([("Owner.Email", Kind::Email), ("Owner.Name", Kind::Text)]);
    fields
}

/// A value checks will accept: not blank, no control character SOQL cannot escape.
fn checked_text() -> impl Strategy<Value = String> {
    text().prop_map(|t| {
        let escapable = |c: &char| !c.is_control() || "\n\r\t\u{8}\u{c}".contains(*c);
        let t: String = t.chars().filter(escapable).collect();
        if t.trim().is_empty() {
            format!("x{t}")
        } else {
            t
        }
    })
}

fn ops(ops: &[Op]) -> impl Strategy<Value = Op> + use<> {
    prop::sample::select(ops.to_vec())
}

fn textual() -> BoxedStrategy<(Op, CondValue)> {
    prop_oneof![
        (
            ops(&[Op::Equals, Op::NotEquals, Op::Contains]),
            checked_text()
        )
            .prop_map(|(op, t)| (op, CondValue::Text(t))),
        prop::collection::vec(checked_text(), 1..4).prop_map(|l| (Op::In, CondValue::List(l))),
    ]
    .boxed()
}

fn numeric() -> BoxedStrategy<(Op, CondValue)> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n as f64),
        any::<f64>().prop_filter("finite", |n| n.is_finite())
    ];
    (
        ops(&[Op::Equals, Op::NotEquals, Op::GreaterThan, Op::LessThan]),
        number,
    )
        .prop_map(|(op, n)| (op, CondValue::Number(n)))
        .boxed()
}

/// `days` ago or ahead, as a date or a datetime.
fn relative(date_only: bool) -> impl Strategy<Value = CondValue> {
    (0u32..=domain::conditions::MAX_RELATIVE_DAYS, any::<bool>()).prop_map(move |(days, ago)| {
        if ago {
            CondValue::DaysAgo { days, date_only }
        } else {
            CondValue::DaysAhead { days, date_only }
        }
    })
}

fn dates() -> BoxedStrategy<(Op, CondValue)> {
    let date = (1700i32..=4000, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        CondValue::Date(Date::from_calendar_date(y, m.try_into().unwrap(), d).unwrap())
    });
    (
        ops(&[Op::Before, Op::After, Op::Equals]),
        prop_oneof![date, relative(true)],
    )
        .boxed()
}

fn datetimes() -> BoxedStrategy<(Op, CondValue)> {
    // 1716 to 3998: inside Salesforce's range.
    let instant = (-8_000_000_000i64..64_000_000_000)
        .prop_map(|s| CondValue::DateTime(OffsetDateTime::from_unix_timestamp(s).unwrap()));
    (
        ops(&[Op::Before, Op::After]),
        prop_oneof![instant, relative(false)],
    )
        .boxed()
}

fn typed_condition(field: &'static str, kind: Kind) -> impl Strategy<Value = Condition> {
    let typed = match kind {
        k if k.is_textual() => textual(),
        k if k.is_numeric() => numeric(),
        Kind::Boolean => (ops(&[Op::Equals, Op::NotEquals]), any::<bool>())
            .prop_map(|(op, b)| (op, CondValue::Bool(b)))
            .boxed(),
        Kind::Date => dates(),
        _ => datetimes(),
    };
    let empty = ops(&[Op::IsEmpty, Op::IsNotEmpty]).prop_map(|op| (op, CondValue::None));
    prop_oneof![1 => empty, 6 => typed].prop_map(move |(op, v)| Condition::new(field, op, v))
}

fn typed_scope() -> impl Strategy<Value = Scope> {
    let condition =
        prop::sample::select(lead_fields()).prop_flat_map(|(f, k)| typed_condition(f, k));
    let group = prop::collection::vec(condition, 1..4).prop_map(ConditionGroup::new);
    prop::collection::vec(group, 1..4).prop_map(Scope::new)
}

/// The parsed filter as groups of leaves: `Or` of `And`s, or fewer levels when there is one.
fn groups(cond: Cond) -> Vec<Vec<Cond>> {
    let ors = match cond {
        Cond::Or(parts) => parts,
        other => vec![other],
    };
    ors.into_iter()
        .map(|g| match g {
            Cond::And(parts) => parts,
            other => vec![other],
        })
        .collect()
}

/// The comparison and literal a scalar condition must read back as.
fn comparison(c: &Condition) -> Option<(&'static str, Lit)> {
    let op = match c.op {
        Op::Equals => "=",
        Op::NotEquals => "!=",
        Op::GreaterThan | Op::After => ">",
        _ => "<",
    };
    let days =
        |days: u32, ahead: bool| Duration::days(i64::from(days) * if ahead { 1 } else { -1 });
    let lit = match &c.value {
        CondValue::Text(s) => Lit::Text(s.clone()),
        CondValue::Number(n) => Lit::Num(*n),
        CondValue::Bool(b) => Lit::Bool(*b),
        CondValue::Date(d) => Lit::Date(domain::datetime::format_date(*d)),
        CondValue::DateTime(dt) => Lit::DateTime(domain::datetime::format_sf(*dt)),
        CondValue::DaysAgo { days: n, date_only } => days_lit(NOW + days(*n, false), *date_only),
        CondValue::DaysAhead { days: n, date_only } => days_lit(NOW + days(*n, true), *date_only),
        CondValue::None | CondValue::List(_) => return None,
    };
    Some((op, lit))
}

fn days_lit(at: OffsetDateTime, date_only: bool) -> Lit {
    if date_only {
        Lit::Date(domain::datetime::format_date(at.date()))
    } else {
        Lit::DateTime(domain::datetime::format_sf(at))
    }
}

/// The simulator's reading of one comparison is the condition itself.
fn leaf_is(leaf: &Cond, c: &Condition) -> bool {
    let same_field = |f: &sf_sim::soql::FieldRef| f.label() == c.field;
    match (leaf, c.op, &c.value) {
        (Cond::Cmp(f, "=", Lit::Null), Op::IsEmpty, _)
        | (Cond::Cmp(f, "!=", Lit::Null), Op::IsNotEmpty, _) => same_field(f),
        (Cond::Like(f, pattern), Op::Contains, CondValue::Text(s)) => {
            same_field(f) && *pattern == like_chars(s)
        }
        (Cond::In(f, false, lits), Op::In, CondValue::List(items)) => {
            let want: Vec<Lit> = items.iter().map(|i| Lit::Text(i.clone())).collect();
            same_field(f) && *lits == want
        }
        (Cond::Cmp(f, op, lit), _, _) => {
            same_field(f) && comparison(c).is_some_and(|(o, l)| *op == o && *lit == l)
        }
        _ => false,
    }
}

pub fn typed_scopes_render_what_the_simulator_reads(config: Config) -> Result<(), String> {
    check(config, typed_scope(), |scope| {
        let clause = scope
            .to_soql_where(NOW)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .unwrap();
        let query = format!("SELECT Id FROM Lead WHERE {clause}");
        let parsed = sf_sim::soql::parse(&query)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{query}")))?;
        let read = groups(parsed.filter.unwrap());
        prop_assert_eq!(read.len(), scope.groups.len(), "{}", query);
        for (leaves, group) in read.iter().zip(&scope.groups) {
            prop_assert_eq!(leaves.len(), group.conditions.len(), "{}", query);
            for (leaf, c) in leaves.iter().zip(&group.conditions) {
                prop_assert!(leaf_is(leaf, c), "{:?} read as {:?}\n{}", c, leaf, query);
            }
        }
        Ok(())
    })
}
