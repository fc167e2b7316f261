//! Condition groups as the settings API receives them: right, slightly wrong, or junk; and the
//! record values scopes are evaluated on.

use std::collections::BTreeMap;

use domain::Value;
use domain::conditions::Scope;
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use time::macros::offset;
use time::{Date, Duration, UtcOffset};

use crate::re;

const OPS: &[&str] = &[
    "equals",
    "not_equals",
    "contains",
    "in",
    "includes",
    "is_empty",
    "is_not_empty",
    "greater_than",
    "less_than",
    "before",
    "after",
];

/// Field names: valid API names, injection attempts and other invalid names.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "Name", "Status", "Owner.Email", "Score__c", "ns__Deal__c", "Parent__r.Name__c",
            "CreatedDate", "AND", "null",
        ])
        .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "Name) OR (Id != null", "Name'", "", "a.b.c", "__c", "Name--", "1Name", "Name ",
            "Ow ner.Email", "名字", "Name\u{0}", "Name__x", "ns__a__b__c",
        ])
        .prop_map(str::to_owned),
        1 => re(".{0,20}"),
        1 => re("[A-Za-z][A-Za-z0-9_]{250,258}"),
    ]
}

/// Text values: injections, escapes, wildcards, whitespace and control characters.
pub(super) fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => re(".{1,4}"),
        2 => prop::sample::select(vec![
            "'", "\\", "\\'", "\"", "%", "_", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}",
            "\u{1b}", "\u{7f}", "\u{85}", " ", "\u{3000}", ";", ",", ")", "(", "' OR Id != null --",
            "\\u0027", "O'Brien", "中文", "🦀", "null", " AND ",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

fn date_text() -> impl Strategy<Value = String> {
    (0u32..=9999, 0u32..=13, 0u32..=32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn datetime_text() -> impl Strategy<Value = String> {
    let zone = prop_oneof![
        Just("Z".to_owned()),
        (-25i32..=25, 0u32..60).prop_map(|(h, m)| format!("{:+03}:{m:02}", h)),
    ];
    (
        date_text(),
        0u32..25,
        0u32..61,
        proptest::option::of(0u32..1000),
        zone,
    )
        .prop_map(|(d, h, m, ms, z)| {
            let ms = ms.map(|n| format!(".{n:03}")).unwrap_or_default();
            format!("{d}T{h:02}:{m:02}:{m:02}{ms}{z}")
        })
}

fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        re(".{0,8}").prop_map(Json::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
            prop::collection::btree_map(re("[a-z_]{1,6}"), inner, 0..3)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// A condition value as the settings API would receive it: right, slightly wrong, or junk.
fn value_json() -> impl Strategy<Value = Option<Json>> {
    let days = prop_oneof![0u32..400, 36_400u32..36_600, any::<u32>(), Just(u32::MAX)];
    let number = prop_oneof![
        any::<i32>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
    ];
    let value = prop_oneof![
        2 => Just(json!({"kind": "none"})),
        2 => text().prop_map(|t| json!({"kind": "text", "v": t})),
        2 => number.prop_map(|n| json!({"kind": "number", "v": n})),
        2 => any::<bool>().prop_map(|b| json!({"kind": "bool", "v": b})),
        2 => prop::collection::vec(text(), 0..4).prop_map(|l| json!({"kind": "list", "v": l})),
        3 => date_text().prop_map(|d| json!({"kind": "date", "v": d})),
        3 => datetime_text().prop_map(|d| json!({"kind": "date_time", "v": d})),
        4 => (prop::sample::select(vec!["days_ago", "days_ahead"]), days, proptest::option::of(any::<bool>()))
            .prop_map(|(k, days, date_only)| match date_only {
                Some(d) => json!({"kind": k, "v": {"days": days, "date_only": d}}),
                None => json!({"kind": k, "v": {"days": days}}),
            }),
        1 => (re("[a-z_]{0,10}"), any_json()).prop_map(|(k, v)| json!({"kind": k, "v": v})),
        1 => any_json(),
    ];
    proptest::option::of(value)
}

fn condition_json() -> impl Strategy<Value = Json> {
    let op = prop_oneof![8 => prop::sample::select(OPS).prop_map(str::to_owned), 1 => re("[a-zA-Z_]{0,12}")];
    (field_name(), op, value_json()).prop_map(|(field, op, value)| {
        let mut c = json!({"field": field, "op": op});
        if let Some(v) = value {
            c["value"] = v;
        }
        c
    })
}

pub fn scope_json() -> impl Strategy<Value = Json> {
    let group =
        prop::collection::vec(condition_json(), 0..4).prop_map(|c| json!({"conditions": c}));
    prop::collection::vec(group, 0..3).prop_map(|g| json!({"groups": g}))
}

/// Any instant, with the calendar's first and last days and offsets up to ±25:59:59 frequent:
/// there an instant may have no day in another offset. Each has a UTC and a China-time form,
/// as every parsed value has (the parsers refuse the others).
fn instant() -> impl Strategy<Value = time::OffsetDateTime> {
    let (first, last) = (Date::MIN.to_julian_day(), Date::MAX.to_julian_day());
    let day = prop_oneof![3 => first..=last, 1 => first..first + 2, 1 => last - 1..=last];
    let offset = prop_oneof![
        2 => -86_399i32..86_400,
        1 => -93_599i32..-82_800,
        1 => 82_800i32..93_600,
    ];
    (day, 0i64..86_400, offset).prop_map(|(day, secs, off)| {
        let local = Date::from_julian_day(day).unwrap().midnight() + Duration::seconds(secs);
        let dt = local.assume_offset(UtcOffset::from_whole_seconds(off).unwrap());
        let writable = dt.checked_to_offset(UtcOffset::UTC).is_some()
            && dt.checked_to_offset(offset!(+8)).is_some();
        match (writable, local.year() > 0) {
            (true, _) => dt,
            // The same wall clock where both forms exist: ahead of UTC at the end, behind at
            // the start.
            (false, true) => local.assume_offset(offset!(+14)),
            (false, false) => local.assume_offset(offset!(-12)),
        }
    })
}

/// Record values a scope is evaluated on, the extremes of every type included.
pub(super) fn record_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Empty),
        1 => text().prop_map(|t| Value::Text(t.into())),
        1 => any::<f64>().prop_map(Value::Number),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => instant().prop_map(|i| Value::Date(i.date())),
        3 => instant().prop_map(Value::DateTime),
        1 => prop::collection::vec(text(), 0..3).prop_map(Value::Multi),
    ]
}

pub(super) fn record_for(scope: &Scope) -> impl Strategy<Value = BTreeMap<String, Value>> + use<> {
    let fields: Vec<String> = scope
        .groups
        .iter()
        .flat_map(|g| &g.conditions)
        .map(|c| c.field.clone())
        .collect();
    prop::collection::vec(record_value(), fields.len())
        .prop_map(move |values| fields.iter().cloned().zip(values).collect())
}
