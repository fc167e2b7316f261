use super::*;
use crate::soql::{LikePattern, LikeToken, Token, tokenize, unescape_literal};
use crate::value::Value;
use proptest::prelude::*;
use std::collections::BTreeMap;
use time::macros::{date, datetime};

const NOW: OffsetDateTime = datetime!(2024-05-10 12:00:00 UTC);

fn text(s: &str) -> CondValue {
    CondValue::Text(s.into())
}

fn list(items: &[&str]) -> CondValue {
    CondValue::List(items.iter().map(|s| s.to_string()).collect())
}

fn rec(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn one(field: &str, op: Op, value: CondValue) -> Scope {
    Scope::new(vec![ConditionGroup::new(vec![Condition::new(
        field, op, value,
    )])])
}

#[test]
fn no_condition_means_every_record() {
    let r = rec(&[]);
    assert!(Scope::all().matches(&r, NOW));
    assert_eq!(Scope::all().to_soql_where(NOW).unwrap(), None);
    let with_empty_group = Scope::new(vec![
        ConditionGroup::new(vec![Condition::new("Status", Op::Equals, text("x"))]),
        ConditionGroup::default(),
    ]);
    assert!(with_empty_group.matches(&r, NOW));
    assert_eq!(with_empty_group.to_soql_where(NOW).unwrap(), None);
}

#[test]
fn and_inside_groups_or_across_groups() {
    let scope = Scope::new(vec![
        ConditionGroup::new(vec![
            Condition::new("Status", Op::Equals, text("待跟进")),
            Condition::new("LeadSource", Op::Equals, text("Web")),
        ]),
        ConditionGroup::new(vec![Condition::new("Rating", Op::Equals, text("Hot"))]),
    ]);
    let both = rec(&[
        ("Status", Value::text("待跟进")),
        ("LeadSource", Value::text("Web")),
    ]);
    let only_status = rec(&[
        ("Status", Value::text("待跟进")),
        ("LeadSource", Value::text("Ads")),
    ]);
    let hot = rec(&[("Rating", Value::text("Hot"))]);
    assert!(scope.matches(&both, NOW));
    assert!(!scope.matches(&only_status, NOW));
    assert!(scope.matches(&hot, NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(Status = '待跟进' AND LeadSource = 'Web') OR (Rating = 'Hot')"
    );
}

#[test]
fn text_equality_is_case_insensitive_like_soql() {
    let scope = one("Status", Op::Equals, text("open"));
    assert!(scope.matches(&rec(&[("Status", Value::text("OPEN"))]), NOW));
    assert!(!scope.matches(&rec(&[("Status", Value::text("opened"))]), NOW));
    // Field names are looked up case-insensitively too, like Salesforce API names.
    assert!(scope.matches(&rec(&[("status", Value::text("Open"))]), NOW));
}

#[test]
fn not_equals_matches_blank_values_like_soql() {
    let scope = one("Status", Op::NotEquals, text("Closed"));
    assert!(scope.matches(&rec(&[]), NOW));
    assert!(scope.matches(&rec(&[("Status", Value::text("Open"))]), NOW));
    assert!(!scope.matches(&rec(&[("Status", Value::text("closed"))]), NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(Status != 'Closed')"
    );
}

#[test]
fn contains_escapes_like_wildcards_and_quotes() {
    let scope = one("Company", Op::Contains, text("O'Brien 50%_off"));
    let rendered = scope.to_soql_where(NOW).unwrap().unwrap();
    assert_eq!(rendered, r"(Company LIKE '%O\'Brien 50\%\_off%')");
    assert!(scope.matches(
        &rec(&[("Company", Value::text("the o'brien 50%_OFF shop"))]),
        NOW
    ));
    assert!(!scope.matches(
        &rec(&[("Company", Value::text("O'Brien 50 percent off"))]),
        NOW
    ));
}

#[test]
fn multi_select_contains_and_includes_test_membership() {
    let r = rec(&[(
        "Tags__c",
        Value::Multi(vec!["VIP".into(), "Beijing".into()]),
    )]);
    assert!(one("Tags__c", Op::Contains, text("vip")).matches(&r, NOW));
    assert!(!one("Tags__c", Op::Contains, text("VI")).matches(&r, NOW));
    let includes = one("Tags__c", Op::Includes, list(&["Shanghai", "Beijing"]));
    assert!(includes.matches(&r, NOW));
    assert!(!one("Tags__c", Op::Includes, list(&["Shanghai"])).matches(&r, NOW));
    assert_eq!(
        includes.to_soql_where(NOW).unwrap().unwrap(),
        "(Tags__c INCLUDES ('Shanghai','Beijing'))"
    );
}

#[test]
fn in_list_matches_any_and_renders_quoted() {
    let scope = one("Industry", Op::In, list(&["Retail", "Bob's"]));
    assert!(scope.matches(&rec(&[("Industry", Value::text("bob's"))]), NOW));
    assert!(!scope.matches(&rec(&[("Industry", Value::text("Energy"))]), NOW));
    assert!(!scope.matches(&rec(&[]), NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        r"(Industry IN ('Retail','Bob\'s'))"
    );
}

#[test]
fn empty_operators_render_null_comparisons() {
    let empty = one("Email", Op::IsEmpty, CondValue::None);
    assert!(empty.matches(&rec(&[("Email", Value::Text("  ".into()))]), NOW));
    assert!(empty.matches(&rec(&[]), NOW));
    assert!(!empty.matches(&rec(&[("Email", Value::text("a@b.cn"))]), NOW));
    assert_eq!(empty.to_soql_where(NOW).unwrap().unwrap(), "(Email = null)");
    let filled = one("Email", Op::IsNotEmpty, CondValue::None);
    assert!(filled.matches(&rec(&[("Email", Value::text("a@b.cn"))]), NOW));
    assert_eq!(
        filled.to_soql_where(NOW).unwrap().unwrap(),
        "(Email != null)"
    );
}

#[test]
fn numbers_compare_numerically_not_as_text() {
    let scope = one("NumberOfEmployees", Op::GreaterThan, CondValue::Number(9.0));
    assert!(scope.matches(&rec(&[("NumberOfEmployees", Value::Number(10.0))]), NOW));
    assert!(scope.matches(&rec(&[("NumberOfEmployees", Value::text("10"))]), NOW));
    assert!(!scope.matches(&rec(&[("NumberOfEmployees", Value::Number(9.0))]), NOW));
    assert!(!scope.matches(&rec(&[]), NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(NumberOfEmployees > 9)"
    );
    let lt = one("AnnualRevenue", Op::LessThan, CondValue::Number(1.5));
    assert_eq!(
        lt.to_soql_where(NOW).unwrap().unwrap(),
        "(AnnualRevenue < 1.5)"
    );
    let eq = one("AnnualRevenue", Op::Equals, CondValue::Number(100.0));
    assert!(eq.matches(&rec(&[("AnnualRevenue", Value::Number(100.0))]), NOW));
    // A text operand against a number record compares numerically: "100.0" = 100.
    let text_eq = one("AnnualRevenue", Op::Equals, text("100.0"));
    assert!(text_eq.matches(&rec(&[("AnnualRevenue", Value::Number(100.0))]), NOW));
    assert!(!text_eq.matches(&rec(&[("AnnualRevenue", Value::Number(100.5))]), NOW));
    let listed = one("NumberOfEmployees", Op::In, list(&["10", "20"]));
    assert!(listed.matches(&rec(&[("NumberOfEmployees", Value::Number(20.0))]), NOW));
}

#[test]
fn booleans_render_unquoted() {
    let scope = one("HasOptedOutOfEmail", Op::Equals, CondValue::Bool(false));
    assert!(scope.matches(&rec(&[("HasOptedOutOfEmail", Value::Bool(false))]), NOW));
    assert!(!scope.matches(&rec(&[("HasOptedOutOfEmail", Value::Bool(true))]), NOW));
    assert!(scope.matches(&rec(&[("HasOptedOutOfEmail", Value::text("FALSE"))]), NOW));
    let as_text = one("HasOptedOutOfEmail", Op::Equals, text("true"));
    assert!(as_text.matches(&rec(&[("HasOptedOutOfEmail", Value::Bool(true))]), NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(HasOptedOutOfEmail = false)"
    );
}

#[test]
fn datetimes_compare_by_instant_across_offsets() {
    let scope = one(
        "CreatedDate",
        Op::After,
        CondValue::DateTime(datetime!(2024-05-01 18:00 +8)),
    );
    let at = |dt| rec(&[("CreatedDate", Value::DateTime(dt))]);
    assert!(scope.matches(&at(datetime!(2024-05-01 10:00:01 UTC)), NOW));
    assert!(!scope.matches(&at(datetime!(2024-05-01 10:00:00 UTC)), NOW));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(CreatedDate > 2024-05-01T10:00:00Z)"
    );
}

#[test]
fn dates_render_as_date_literals_and_compare_by_day() {
    let scope = one(
        "CloseDate",
        Op::Before,
        CondValue::Date(date!(2024 - 06 - 01)),
    );
    assert!(scope.matches(
        &rec(&[("CloseDate", Value::Date(date!(2024 - 05 - 31)))]),
        NOW
    ));
    assert!(!scope.matches(
        &rec(&[("CloseDate", Value::Date(date!(2024 - 06 - 01)))]),
        NOW
    ));
    assert_eq!(
        scope.to_soql_where(NOW).unwrap().unwrap(),
        "(CloseDate < 2024-06-01)"
    );
    // A datetime record against a date bound compares the calendar day in `now`'s offset.
    let china_now = NOW.to_offset(time::macros::offset!(+8));
    let late_utc = rec(&[(
        "CloseDate",
        Value::DateTime(datetime!(2024-05-31 20:00 UTC)),
    )]);
    assert!(scope.matches(&late_utc, NOW));
    assert!(
        !scope.matches(&late_utc, china_now),
        "2024-06-01 04:00 in China"
    );
}

/// Found by the parser fuzzing (tests/parser-fuzz): `days_ago` of 4,294,967,295 days (a u32
/// the settings JSON accepts) overflowed the calendar and panicked in rendering and evaluation.
#[test]
fn relative_dates_beyond_a_hundred_years_are_refused_not_a_panic() {
    let far = |days| {
        one(
            "CreatedDate",
            Op::After,
            CondValue::DaysAgo {
                days,
                date_only: false,
            },
        )
    };
    let record = rec(&[("CreatedDate", Value::DateTime(NOW))]);
    for days in [MAX_RELATIVE_DAYS + 1, u32::MAX] {
        assert!(matches!(
            far(days).check(),
            Err(SoqlError::UnsupportedCondition { .. })
        ));
        assert!(far(days).to_soql_where(NOW).is_err());
        assert!(!far(days).matches(&record, NOW));
    }
    assert!(far(MAX_RELATIVE_DAYS).to_soql_where(NOW).is_ok());
    // Within the limit but past the calendar's end from this `now`: an error, not a panic.
    let late = datetime!(9999-06-01 00:00 UTC);
    let ahead = one(
        "CreatedDate",
        Op::Before,
        CondValue::DaysAhead {
            days: MAX_RELATIVE_DAYS,
            date_only: true,
        },
    );
    assert!(ahead.to_soql_where(late).is_err());
    assert!(!ahead.matches(&rec(&[("CreatedDate", Value::DateTime(late))]), late));
}

/// Found while fuzzing the parsers: a record datetime whose day in `now`'s offset falls past the
/// calendar's end (9999-12-31 23:00 at -10:00, evaluated at +08:00) panicked in `to_offset`.
#[test]
fn a_datetime_without_a_day_in_nows_offset_matches_nothing() {
    let at_the_end = date!(9999 - 12 - 31)
        .with_hms(23, 0, 0)
        .unwrap()
        .assume_offset(time::macros::offset!(-10));
    let record = rec(&[("D", Value::DateTime(at_the_end))]);
    let now = NOW.to_offset(time::macros::offset!(+8));
    for op in [Op::Before, Op::After, Op::Equals] {
        let scope = one("D", op, CondValue::Date(date!(2024 - 01 - 01)));
        assert!(!scope.matches(&record, now), "{op:?}");
    }
    let not_equal = one("D", Op::NotEquals, CondValue::Date(date!(2024 - 01 - 01)));
    assert!(not_equal.matches(&record, now), "no day is not that day");
}

#[test]
fn relative_dates_resolve_from_now() {
    let recent = one(
        "CreatedDate",
        Op::After,
        CondValue::DaysAgo {
            days: 365,
            date_only: false,
        },
    );
    assert_eq!(
        recent.to_soql_where(NOW).unwrap().unwrap(),
        "(CreatedDate > 2023-05-11T12:00:00Z)"
    );
    let at = |dt| rec(&[("CreatedDate", Value::DateTime(dt))]);
    assert!(recent.matches(&at(datetime!(2023-05-11 12:00:01 UTC)), NOW));
    assert!(!recent.matches(&at(datetime!(2023-05-11 11:59:59 UTC)), NOW));
    let due = one(
        "CloseDate",
        Op::Before,
        CondValue::DaysAhead {
            days: 7,
            date_only: true,
        },
    );
    assert_eq!(
        due.to_soql_where(NOW).unwrap().unwrap(),
        "(CloseDate < 2024-05-17)"
    );
    assert!(due.matches(
        &rec(&[("CloseDate", Value::Date(date!(2024 - 05 - 16)))]),
        NOW
    ));
    assert!(!due.matches(
        &rec(&[("CloseDate", Value::Date(date!(2024 - 05 - 17)))]),
        NOW
    ));
}

#[test]
fn closures_can_serve_as_records() {
    let scope = one("Status", Op::Equals, text("Open"));
    let record = |f: &str| (f == "Status").then(|| Value::text("Open"));
    assert!(scope.matches(&record, NOW));
    assert!(!scope.matches(&|_: &str| None, NOW));
}

#[test]
fn injection_through_field_names_is_refused() {
    for field in ["Name = 'x' OR Id", "Name)", "Name--", "Owner.Manager.Email"] {
        let scope = one(field, Op::Equals, text("x"));
        assert!(
            matches!(
                scope.to_soql_where(NOW),
                Err(crate::soql::SoqlError::InvalidFieldName(_))
            ),
            "{field}"
        );
        assert!(!scope.matches(&rec(&[(field, Value::text("x"))]), NOW));
    }
}

#[test]
fn injection_through_values_stays_in_literals() {
    let scope = one("Name", Op::Equals, text("' OR Id != null --\nx\\"));
    let rendered = scope.to_soql_where(NOW).unwrap().unwrap();
    assert_eq!(rendered, r"(Name = '\' OR Id != null --\nx\\')");
    let tokens = tokenize(&rendered).unwrap();
    assert_eq!(tokens.len(), 5, "{tokens:?}");
}

#[test]
fn invalid_conditions_are_refused_and_match_nothing() {
    let bad = [
        one("Status", Op::Equals, CondValue::None),
        one("Status", Op::Equals, text("  ")),
        one("Status", Op::In, list(&[])),
        one("Status", Op::In, text("a")),
        one("Tags__c", Op::Includes, list(&["a;b"])),
        one("Amount", Op::GreaterThan, CondValue::Number(f64::NAN)),
        one("CreatedDate", Op::Before, text("yesterday")),
        one("Name", Op::Contains, CondValue::Number(1.0)),
        one("Name", Op::Equals, text("nul\u{0}")),
    ];
    for scope in bad {
        assert!(scope.to_soql_where(NOW).is_err(), "{scope:?}");
        assert!(scope.check().is_err(), "{scope:?}");
        assert!(
            !scope.matches(&rec(&[("Status", Value::text("a"))]), NOW),
            "{scope:?}"
        );
    }
}

#[test]
fn scopes_round_trip_through_settings_json() {
    let scope = Scope::new(vec![ConditionGroup::new(vec![
        Condition::new(
            "CreatedDate",
            Op::After,
            CondValue::DaysAgo {
                days: 30,
                date_only: false,
            },
        ),
        Condition::new(
            "CloseDate",
            Op::Before,
            CondValue::Date(date!(2024 - 06 - 01)),
        ),
        Condition::new("Industry", Op::In, list(&["Retail"])),
        Condition::new("Email", Op::IsNotEmpty, CondValue::None),
    ])]);
    let json = serde_json::to_value(&scope).unwrap();
    assert_eq!(json["groups"][0]["conditions"][0]["op"], "after");
    assert_eq!(
        json["groups"][0]["conditions"][0]["value"]["kind"],
        "days_ago"
    );
    assert_eq!(
        json["groups"][0]["conditions"][1]["value"]["v"],
        "2024-06-01"
    );
    let back: Scope = serde_json::from_value(json).unwrap();
    assert_eq!(back, scope);
    let minimal: Condition = serde_json::from_str(r#"{"field":"Email","op":"is_empty"}"#).unwrap();
    assert_eq!(minimal.value, CondValue::None);
}

#[test]
fn init_window_reaches_back_three_calendar_years() {
    let now = datetime!(2024-05-10 12:00 UTC);
    assert!(InitWindow::new(datetime!(2021-05-10 12:00 UTC), now).is_ok());
    assert!(matches!(
        InitWindow::new(datetime!(2021-05-10 11:59:59 UTC), now),
        Err(WindowError::TooFarBack { years: 3, .. })
    ));
    assert!(matches!(
        InitWindow::new(datetime!(2024-05-10 12:00:01 UTC), now),
        Err(WindowError::InFuture { .. })
    ));
    assert!(InitWindow::new(now, now).is_ok());
}

#[test]
fn init_window_from_feb_29_falls_back_to_feb_28() {
    let now = datetime!(2024-02-29 08:00 UTC);
    assert_eq!(
        InitWindow::earliest_start(now),
        datetime!(2021-02-28 08:00 UTC)
    );
    assert!(InitWindow::new(datetime!(2021-02-28 08:00 UTC), now).is_ok());
    assert!(InitWindow::new(datetime!(2021-02-28 07:59 UTC), now).is_err());
    // Three years after a leap day lands on a leap day again only in 2028 - 4; check a plain one.
    let plain = datetime!(2023-03-01 00:00 UTC);
    assert_eq!(
        InitWindow::earliest_start(plain),
        datetime!(2020-03-01 00:00 UTC)
    );
}

#[test]
fn init_where_combines_window_and_scope() {
    let window = InitWindow::new(datetime!(2023-05-10 00:00 +8), NOW).unwrap();
    assert!(window.contains(datetime!(2023-05-09 16:00 UTC)));
    assert!(!window.contains(datetime!(2023-05-09 15:59 UTC)));
    assert_eq!(
        window.soql_where(&Scope::all(), NOW).unwrap(),
        "CreatedDate >= 2023-05-09T16:00:00Z"
    );
    let scope = Scope::new(vec![
        ConditionGroup::new(vec![Condition::new("Status", Op::Equals, text("Open"))]),
        ConditionGroup::new(vec![Condition::new("Rating", Op::Equals, text("Hot"))]),
    ]);
    assert_eq!(
        window.soql_where(&scope, NOW).unwrap(),
        "CreatedDate >= 2023-05-09T16:00:00Z AND ((Status = 'Open') OR (Rating = 'Hot'))"
    );
}

fn any_text() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| {
        let kept: String = s
            .chars()
            .filter(|c| !c.is_control() || "\n\r\t".contains(*c))
            .collect();
        if kept.trim().is_empty() {
            format!("x{kept}")
        } else {
            kept
        }
    })
}

/// A random condition and the string values it embeds, in rendering order.
fn any_condition() -> impl Strategy<Value = (Condition, Vec<String>)> {
    let field = prop::sample::select(vec!["Name", "Status", "Owner.Email", "Score__c"]);
    let op = prop::sample::select(vec![Op::Equals, Op::NotEquals, Op::Contains, Op::In]);
    (field, op, prop::collection::vec(any_text(), 1..4)).prop_map(|(f, op, texts)| {
        let value = match op {
            Op::In => CondValue::List(texts.clone()),
            _ => CondValue::Text(texts[0].clone()),
        };
        let embedded = if op == Op::In {
            texts
        } else {
            vec![texts[0].clone()]
        };
        (Condition::new(f, op, value), embedded)
    })
}

fn decode(token: &str, like: bool) -> String {
    if !like {
        return unescape_literal(token).unwrap();
    }
    let pattern = LikePattern::parse(token).unwrap();
    let inner = &pattern.0[1..pattern.0.len() - 1];
    inner
        .iter()
        .map(|t| match t {
            LikeToken::Char(c) => *c,
            other => panic!("unescaped wildcard {other:?} in {token}"),
        })
        .collect()
}

proptest! {
    #[test]
    fn rendered_where_keeps_every_value_inside_its_literal(
        groups in prop::collection::vec(prop::collection::vec(any_condition(), 1..4), 1..4)
    ) {
        let expected: Vec<String> =
            groups.iter().flatten().flat_map(|(_, texts)| texts.clone()).collect();
        let scope = Scope::new(
            groups.into_iter().map(|g| ConditionGroup::new(g.into_iter().map(|(c, _)| c).collect())).collect(),
        );
        let rendered = scope.to_soql_where(NOW).unwrap().unwrap();
        let tokens = tokenize(&rendered).unwrap();
        let mut literals = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                Token::Str(s) => {
                    let like = i > 0 && tokens[i - 1] == Token::Word("LIKE");
                    literals.push(decode(s, like));
                }
                Token::Word(w) => prop_assert!(
                    ["AND", "OR", "IN", "LIKE", "Name", "Status", "Owner.Email", "Score__c"].contains(w),
                    "stray word {w:?} in {rendered}"
                ),
                Token::Punct(p) => prop_assert!(["(", ")", ",", "=", "!="].contains(p)),
            }
        }
        prop_assert_eq!(literals, expected);
    }
}

fn any_scalar_condition() -> impl Strategy<Value = Condition> {
    let value = prop_oneof![
        any::<i32>().prop_map(|n| CondValue::Number(f64::from(n) / 100.0)),
        any::<bool>().prop_map(CondValue::Bool),
        (0i64..4_000_000_000)
            .prop_map(|s| { CondValue::DateTime(OffsetDateTime::from_unix_timestamp(s).unwrap()) }),
        (0i64..4_000_000_000)
            .prop_map(|s| CondValue::Date(OffsetDateTime::from_unix_timestamp(s).unwrap().date())),
        (0u32..5000, any::<bool>())
            .prop_map(|(days, date_only)| CondValue::DaysAgo { days, date_only }),
        (0u32..5000, any::<bool>())
            .prop_map(|(days, date_only)| CondValue::DaysAhead { days, date_only }),
    ];
    let op = prop::sample::select(vec![
        Op::Equals,
        Op::NotEquals,
        Op::GreaterThan,
        Op::LessThan,
    ]);
    (op, value).prop_map(|(op, value)| Condition::new("Field__c", op, value))
}

/// An unquoted literal as rendered: a number, a boolean, a date or a UTC datetime.
fn is_scalar_literal(word: &str) -> bool {
    word.parse::<f64>().is_ok()
        || word == "true"
        || word == "false"
        || crate::datetime::parse_date(word).is_ok()
        || (word.ends_with('Z') && crate::datetime::parse_sf(word).is_ok())
}

proptest! {
    #[test]
    fn scalar_literals_render_unquoted_and_well_formed(
        conditions in prop::collection::vec(any_scalar_condition(), 1..5),
        record_value in prop_oneof![
            any::<f64>().prop_map(Value::Number),
            any::<bool>().prop_map(Value::Bool),
            (0i64..4_000_000_000).prop_map(|s| Value::DateTime(OffsetDateTime::from_unix_timestamp(s).unwrap())),
            ".{0,8}".prop_map(Value::text),
        ],
    ) {
        let scope = Scope::new(vec![ConditionGroup::new(conditions)]);
        // Evaluation never panics, whatever the record holds.
        let record = BTreeMap::from([("Field__c".to_string(), record_value)]);
        let _ = scope.matches(&record, NOW);
        let rendered = scope.to_soql_where(NOW).unwrap().unwrap();
        for token in tokenize(&rendered).unwrap() {
            match token {
                Token::Str(s) => prop_assert!(false, "unexpected string literal {s} in {rendered}"),
                Token::Word(w) => prop_assert!(
                    ["AND", "Field__c"].contains(&w) || is_scalar_literal(w),
                    "bad word {w:?} in {rendered}"
                ),
                Token::Punct(p) => prop_assert!(["(", ")", "=", "!=", ">", "<"].contains(&p)),
            }
        }
    }
}

#[test]
fn misses_name_the_first_failing_condition_of_each_group() {
    let scope = Scope::new(vec![
        ConditionGroup::new(vec![
            Condition::new("Country", Op::Equals, CondValue::Text("CN".into())),
            Condition::new("Status", Op::Equals, CondValue::Text("Open".into())),
        ]),
        ConditionGroup::new(vec![Condition::new(
            "Email",
            Op::IsNotEmpty,
            CondValue::None,
        )]),
    ]);
    let record = BTreeMap::from([
        ("Country".to_string(), Value::text("CN")),
        ("Status".to_string(), Value::text("Closed")),
    ]);
    let missed: Vec<String> = scope
        .misses(&record, NOW)
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(missed, ["Status equals \"Open\"", "Email is_not_empty"]);
    let open = BTreeMap::from([("Email".to_string(), Value::text("a@b.cn"))]);
    assert!(
        scope.misses(&open, NOW).is_empty(),
        "in scope: nothing missed"
    );
}
