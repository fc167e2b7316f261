//! SOQL literals: any string rendered with our escaping (`domain::soql`) into a `WHERE` clause is
//! read back by the Salesforce simulator's SOQL parser as exactly that string, and never changes
//! the query's structure, whatever quotes, backslashes, keywords or line breaks it holds. And for
//! any quoted text at all, our literal reader and the simulator's agree on what it means.

use domain::soql::{SoqlError, escape_like, quote, unescape_literal};
use proptest::prelude::*;
use proptest::test_runner::Config;
use sf_sim::soql::ast::{Cond, Lit};
use sf_sim::soql::lexer::SChar;

use crate::{Property, check, property, re};

pub fn properties() -> Vec<Property> {
    vec![
        property!("soql", literals_round_trip_through_the_simulator),
        property!("soql", both_parsers_read_quoted_text_alike),
    ]
}

/// Strings that try to leave their literal: quotes, backslashes and escape-lookalikes, keywords,
/// wildcards, line breaks, control characters, any Unicode.
pub fn attack() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => re(".{1,4}"),
        3 => prop::sample::select(vec![
            "'", "\\", "\\'", "\\\\'", "''", "\"", "%", "_", "\\%", "\\_", "\n", "\r", "\t",
            "\u{8}", "\u{c}", "\u{0}", "\u{1b}", "\u{7f}", "\u{85}", "\u{2028}", " ", "\\n",
            "\\u0027", "\\x27", "' OR Id != null OR LastName = '", "') OR (LastName != '",
            "' AND IsConverted = true --", "/*", "*/", "--", ";", "O'Brien", "中文", "🦀",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

/// The control character our escaping refuses first, if any.
fn forbidden(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !"\n\r\t\u{8}\u{c}".contains(*c))
}

fn filter_of(query: &str) -> Result<Cond, TestCaseError> {
    let parsed = sf_sim::soql::parse(query)
        .map_err(|e| TestCaseError::fail(format!("{}: {query}", e.errors[0].message)))?;
    parsed
        .filter
        .ok_or_else(|| TestCaseError::fail("no filter"))
}

fn cmp_is(c: &Cond, field: &str, want: &str) -> bool {
    matches!(c, Cond::Cmp(f, "=", Lit::Text(t)) if f.label() == field && t == want)
}

/// `%s%` as the simulator reads a LIKE pattern: our wildcards plain, the value's own escaped.
pub(crate) fn like_chars(s: &str) -> Vec<SChar> {
    let mut want = vec![SChar::Lit('%')];
    want.extend(s.chars().map(|c| match c {
        '%' | '_' => SChar::Escaped(c),
        c => SChar::Lit(c),
    }));
    want.push(SChar::Lit('%'));
    want
}

/// Two values joined by AND or OR: exactly two comparisons, each with its own value.
fn assert_joined(a: &str, qa: &str, b: &str, qb: &str) -> Result<(), TestCaseError> {
    for joiner in ["AND", "OR"] {
        let q = format!("SELECT Id FROM Lead WHERE LastName = {qa} {joiner} Company = {qb}");
        let parts = match filter_of(&q)? {
            Cond::And(p) if joiner == "AND" => p,
            Cond::Or(p) if joiner == "OR" => p,
            other => return Err(TestCaseError::fail(format!("{other:?}: {q}"))),
        };
        prop_assert_eq!(parts.len(), 2, "{}", q);
        prop_assert!(cmp_is(&parts[0], "LastName", a) && cmp_is(&parts[1], "Company", b));
    }
    Ok(())
}

/// A list of both values, and a LIKE pattern of the first whose only wildcards are ours.
fn assert_list_and_like(a: &str, qa: &str, b: &str, qb: &str) -> Result<(), TestCaseError> {
    let q = format!("SELECT Id FROM Lead WHERE Title IN ({qa}, {qb})");
    let want = vec![Lit::Text(a.to_owned()), Lit::Text(b.to_owned())];
    let list = filter_of(&q)?;
    prop_assert!(matches!(&list, Cond::In(f, false, l) if f.label() == "Title" && *l == want));
    let like = escape_like(a).unwrap();
    let q = format!("SELECT Id FROM Lead WHERE City LIKE '%{like}%'");
    let pattern = filter_of(&q)?;
    prop_assert!(
        matches!(&pattern, Cond::Like(f, p) if f.label() == "City" && *p == like_chars(a))
    );
    Ok(())
}

pub fn literals_round_trip_through_the_simulator(config: Config) -> Result<(), String> {
    check(config, (attack(), attack()), |(a, b)| {
        let (qa, qb) = match (quote(&a), quote(&b)) {
            (Ok(qa), Ok(qb)) => (qa, qb),
            // Refused: exactly the strings with a control character SOQL cannot escape.
            (ra, rb) => {
                for (s, r) in [(&a, ra), (&b, rb)] {
                    let want = forbidden(s).map(|c| SoqlError::ControlChar(c as u32));
                    prop_assert_eq!(r.err(), want, "{:?}", s);
                }
                return Ok(());
            }
        };
        prop_assert_eq!(forbidden(&a).or(forbidden(&b)), None);
        let one = filter_of(&format!("SELECT Id FROM Lead WHERE LastName = {qa}"))?;
        prop_assert!(cmp_is(&one, "LastName", &a), "{:?}", one);
        assert_joined(&a, &qa, &b, &qb)?;
        assert_list_and_like(&a, &qa, &b, &qb)
    })
}

/// Quoted text that is not necessarily ours: valid and invalid escapes, stray quotes.
fn quoted_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => re(".{1,3}"),
        4 => prop::sample::select(vec![
            "\\n", "\\N", "\\r", "\\t", "\\b", "\\f", "\\F", "\\\"", "\\'", "\\\\", "\\%", "\\_",
            "\\u0041", "\\u4e2d", "\\uD800", "\\u00", "\\u+041", "\\u-041", "\\u 41", "\\uFFFF",
            "\\x41", "\\0", "\\", "'", "\"", "\u{0}", "\n",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| format!("'{}'", p.concat()))
}

pub fn both_parsers_read_quoted_text_alike(config: Config) -> Result<(), String> {
    check(config, quoted_text(), |q| {
        let ours = unescape_literal(&q);
        let query = format!("SELECT Id FROM Lead WHERE LastName = {q}");
        let sim = sf_sim::soql::parse(&query).map(|parsed| parsed.filter);
        match (&ours, sim) {
            (Ok(text), Ok(Some(c))) => prop_assert!(cmp_is(&c, "LastName", text), "{q}: {c:?}"),
            (Err(_), Err(_)) => {}
            (ours, sim) => prop_assert!(
                false,
                "{q}: ours {ours:?}, simulator {:?}",
                sim.map_err(|e| e.errors[0].message.clone())
            ),
        }
        Ok(())
    })
}
