//! What a rendered `WHERE` clause must be, token by token, derived from the scope alone.

use domain::conditions::{CondValue, Condition, Op, Scope};
use domain::soql::{LikePattern, LikeToken, Token, tokenize, unescape_literal};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use super::NOW;

/// What one token of a rendered clause must be.
enum Expect<'a> {
    Word(&'a str),
    Punct(&'a str),
    /// A quoted literal whose value (read as Salesforce reads it) is this text.
    Text(&'a str),
    /// A quoted LIKE pattern `%text%` with the text's own wildcards escaped.
    Contains(&'a str),
    /// An unquoted literal of this value.
    Scalar(&'a CondValue),
}

/// The tokens a condition renders to, derived from the condition alone.
fn expected_tokens(c: &Condition) -> Vec<Expect<'_>> {
    let field = Expect::Word(&c.field);
    match (c.op, &c.value) {
        (Op::IsEmpty, _) => vec![field, Expect::Punct("="), Expect::Word("null")],
        (Op::IsNotEmpty, _) => vec![field, Expect::Punct("!="), Expect::Word("null")],
        (Op::Contains, CondValue::Text(s)) => {
            vec![field, Expect::Word("LIKE"), Expect::Contains(s)]
        }
        (Op::In | Op::Includes, CondValue::List(items)) => {
            let kw = if c.op == Op::In { "IN" } else { "INCLUDES" };
            let mut out = vec![field, Expect::Word(kw), Expect::Punct("(")];
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(Expect::Punct(","));
                }
                out.push(Expect::Text(item));
            }
            out.push(Expect::Punct(")"));
            out
        }
        (op, value) => {
            let cmp = match op {
                Op::Equals => "=",
                Op::NotEquals => "!=",
                Op::GreaterThan | Op::After => ">",
                _ => "<",
            };
            let lit = match value {
                CondValue::Text(s) => Expect::Text(s),
                v => Expect::Scalar(v),
            };
            vec![field, Expect::Punct(cmp), lit]
        }
    }
}

/// `(a AND b) OR (c)`, token by token: every value stays inside its literal and reads back as
/// itself, whatever quotes, backslashes or keywords it holds.
pub(super) fn assert_structure(scope: &Scope, clause: &str) -> Result<(), TestCaseError> {
    let mut expected = Vec::new();
    for (g, group) in scope.groups.iter().enumerate() {
        if g > 0 {
            expected.push(Expect::Word("OR"));
        }
        expected.push(Expect::Punct("("));
        for (i, c) in group.conditions.iter().enumerate() {
            if i > 0 {
                expected.push(Expect::Word("AND"));
            }
            expected.extend(expected_tokens(c));
        }
        expected.push(Expect::Punct(")"));
    }
    let tokens = tokenize(clause).map_err(|e| TestCaseError::fail(format!("{e}: {clause}")))?;
    prop_assert_eq!(tokens.len(), expected.len(), "{}", clause);
    for (token, want) in tokens.iter().zip(&expected) {
        let ok = match (token, want) {
            (Token::Word(w), Expect::Word(e)) | (Token::Punct(w), Expect::Punct(e)) => w == e,
            (Token::Str(s), Expect::Text(t)) => unescape_literal(s).as_deref() == Ok(*t),
            (Token::Str(s), Expect::Contains(t)) => like_text(s).as_deref() == Some(*t),
            (Token::Word(w), Expect::Scalar(v)) => scalar_matches(w, v),
            _ => false,
        };
        prop_assert!(ok, "{:?} in {}", token, clause);
    }
    Ok(())
}

/// The text of a `'%…%'` pattern whose inner characters are all literal.
fn like_text(quoted: &str) -> Option<String> {
    let p = LikePattern::parse(quoted).ok()?.0;
    let [LikeToken::AnyMany, inner @ .., LikeToken::AnyMany] = p.as_slice() else {
        return None;
    };
    inner
        .iter()
        .map(|t| match t {
            LikeToken::Char(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn scalar_matches(word: &str, v: &CondValue) -> bool {
    match v {
        CondValue::Number(n) => word.parse::<f64>() == Ok(*n),
        CondValue::Bool(b) => word == b.to_string(),
        CondValue::Date(d) => domain::datetime::parse_date(word) == Ok(*d),
        CondValue::DateTime(dt) => {
            word.ends_with('Z')
                && domain::datetime::parse_sf(word) == Ok(dt.replace_nanosecond(0).unwrap())
        }
        CondValue::DaysAgo { days, date_only } => {
            relative(word, NOW - Duration::days(i64::from(*days)), *date_only)
        }
        CondValue::DaysAhead { days, date_only } => {
            relative(word, NOW + Duration::days(i64::from(*days)), *date_only)
        }
        _ => false,
    }
}

fn relative(word: &str, at: OffsetDateTime, date_only: bool) -> bool {
    if date_only {
        domain::datetime::parse_date(word) == Ok(at.date())
    } else {
        domain::datetime::parse_sf(word) == Ok(at)
    }
}
