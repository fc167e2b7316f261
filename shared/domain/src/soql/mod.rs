//! SOQL literal rendering and parsing (Salesforce reference §6.2).
//!
//! Strings are escaped with backslashes (`'O\'Brien'`), never by doubling quotes. Field names can't
//! be escaped at all, so they are validated instead. Dates and datetimes are unquoted. URL encoding
//! of the finished statement (`+` → `%2B`) is the HTTP client's job, not this module's.
//!
//! The parsing direction ([`unescape_literal`], [`LikePattern`], [`tokenize`]) serves property tests
//! and the Salesforce simulator, which must refuse exactly what Salesforce refuses.

mod parse;

pub use parse::{LikePattern, LikeToken, Token, tokenize, unescape_literal};

use time::{Date, OffsetDateTime};

/// Why a value, field name or literal cannot be used in SOQL. The caller fixes the input (the value,
/// the mapping or the condition); retrying the same input fails the same way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoqlError {
    #[error("control character U+{0:04X} cannot appear in a SOQL string; remove it from the value")]
    ControlChar(u32),
    #[error("{0:?} is not a valid SOQL field name; use an API name like Email or Owner.Email")]
    InvalidFieldName(String),
    #[error("malformed SOQL string literal ({0}); Salesforce answers MALFORMED_QUERY")]
    MalformedLiteral(&'static str),
    #[error("condition on {field} cannot be rendered: {why}; fix the condition in the settings")]
    UnsupportedCondition { field: String, why: &'static str },
}

/// Escape `s` for the inside of a quoted SOQL string (`=`, `IN`, `!=` comparisons).
/// Backslash goes first so the escapes added afterwards are not doubled.
pub fn escape_string(s: &str) -> Result<String, SoqlError> {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        push_escaped(&mut out, c)?;
    }
    Ok(out)
}

fn push_escaped(out: &mut String, c: char) -> Result<(), SoqlError> {
    match c {
        '\\' => out.push_str("\\\\"),
        '\'' => out.push_str("\\'"),
        '"' => out.push_str("\\\""),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if c.is_control() => return Err(SoqlError::ControlChar(c as u32)),
        c => out.push(c),
    }
    Ok(())
}

/// Whether `s` can be put in a SOQL string at all (no control characters besides the escapable
/// whitespace ones), without building the escaped string.
pub fn check_string(s: &str) -> Result<(), SoqlError> {
    match s
        .chars()
        .find(|c| c.is_control() && !"\n\r\t\u{8}\u{c}".contains(*c))
    {
        Some(c) => Err(SoqlError::ControlChar(c as u32)),
        None => Ok(()),
    }
}

/// `s` as a complete quoted SOQL string literal: `O'Brien` → `'O\'Brien'`.
pub fn quote(s: &str) -> Result<String, SoqlError> {
    Ok(format!("'{}'", escape_string(s)?))
}

/// Escape `s` for the inside of a quoted `LIKE` pattern: as [`escape_string`], plus `\%` and `\_`
/// so the value's own `%` and `_` match literally instead of acting as wildcards.
pub fn escape_like(s: &str) -> Result<String, SoqlError> {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            c => push_escaped(&mut out, c)?,
        }
    }
    Ok(out)
}

/// Unquoted UTC datetime literal: `2024-05-01T10:00:00Z` (only valid against dateTime fields).
pub fn datetime_literal(dt: OffsetDateTime) -> String {
    crate::datetime::format_soql(dt)
}

/// Unquoted date literal: `2024-05-01` (only valid against date fields).
pub fn date_literal(d: Date) -> String {
    crate::datetime::format_date(d)
}

/// Whether `name` is a field API name we are willing to splice into SOQL: ASCII letters, digits and
/// single underscores, starting with a letter; an optional namespace (`ns__Field__c`); the suffixes
/// `__c` (custom field) and `__r` (custom relationship); at most one relationship level
/// (`Owner.Email`, `Parent__r.Name__c`). Everything else (spaces, quotes, parentheses) is refused.
pub fn is_valid_field_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut parts = name.split('.');
    let (first, second) = (parts.next(), parts.next());
    if parts.next().is_some() {
        return false;
    }
    match (first, second) {
        (Some(field), None) => is_valid_segment(field, "c"),
        (Some(relationship), Some(field)) => {
            is_valid_segment(relationship, "r") && is_valid_segment(field, "c")
        }
        _ => false,
    }
}

/// The name back if it is valid (see [`is_valid_field_name`]), else a typed error.
pub fn validate_field_name(name: &str) -> Result<&str, SoqlError> {
    if is_valid_field_name(name) {
        Ok(name)
    } else {
        Err(SoqlError::InvalidFieldName(name.to_owned()))
    }
}

/// One name segment: `Name`, `Custom__c`, `ns__Custom__c` (or `__r` where `suffix` is "r").
fn is_valid_segment(segment: &str, suffix: &str) -> bool {
    let pieces: Vec<&str> = segment.split("__").collect();
    let plain = |p: &str| {
        p.starts_with(|c: char| c.is_ascii_alphabetic())
            && !p.ends_with('_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match pieces.as_slice() {
        [name] => plain(name),
        [name, s] => plain(name) && s.eq_ignore_ascii_case(suffix),
        [ns, name, s] => plain(ns) && plain(name) && s.eq_ignore_ascii_case(suffix),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
