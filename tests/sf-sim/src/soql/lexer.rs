//! SOQL tokens. Strings are decoded here; `\%` and `\_` survive as escaped wildcards for LIKE.

use crate::errors::ApiError;

/// One character of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum SChar {
    Lit(char),
    /// `\%` or `\_`: a literal wildcard character, legal only in LIKE patterns.
    Escaped(char),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(Vec<SChar>),
    Num(f64),
    Date(String),
    /// Normalised to the stored form `YYYY-MM-DDTHH:MM:SS.000+0000` (UTC).
    DateTime(String),
    Comma,
    LParen,
    RParen,
    Op(&'static str),
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::Str(_) => "string literal".into(),
            Tok::Num(n) => n.to_string(),
            Tok::Date(s) | Tok::DateTime(s) => s.clone(),
            Tok::Comma => ",".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Op(o) => (*o).into(),
        }
    }
}

pub fn unexpected(what: &str) -> ApiError {
    ApiError::malformed_query(format!("unexpected token: '{what}'"))
}

pub fn tokenize(src: &str) -> Result<Vec<Tok>, ApiError> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, next) = match c {
            ',' => (Tok::Comma, i + 1),
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            '\'' => string(&chars, i + 1)?,
            '=' => (Tok::Op("="), i + 1),
            '!' if chars.get(i + 1) == Some(&'=') => (Tok::Op("!="), i + 2),
            '<' if chars.get(i + 1) == Some(&'>') => (Tok::Op("!="), i + 2),
            '<' if chars.get(i + 1) == Some(&'=') => (Tok::Op("<="), i + 2),
            '>' if chars.get(i + 1) == Some(&'=') => (Tok::Op(">="), i + 2),
            '<' => (Tok::Op("<"), i + 1),
            '>' => (Tok::Op(">"), i + 1),
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                number_or_date(&chars, i)?
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let end = scan(&chars, i, |c| {
                    c.is_ascii_alphanumeric() || c == '_' || c == '.'
                });
                (Tok::Ident(chars[i..end].iter().collect()), end)
            }
            other => return Err(unexpected(&other.to_string())),
        };
        toks.push(tok);
        i = next;
    }
    Ok(toks)
}

fn scan(chars: &[char], from: usize, ok: impl Fn(char) -> bool) -> usize {
    (from..chars.len())
        .find(|&j| !ok(chars[j]))
        .unwrap_or(chars.len())
}

fn string(chars: &[char], mut i: usize) -> Result<(Tok, usize), ApiError> {
    let mut out = vec![];
    while i < chars.len() {
        match chars[i] {
            '\'' => return Ok((Tok::Str(out), i + 1)),
            '\\' => {
                let (ch, used) = escape(chars, i + 1)?;
                out.push(ch);
                i += 1 + used;
            }
            c => {
                out.push(SChar::Lit(c));
                i += 1;
            }
        }
    }
    Err(ApiError::malformed_query("unterminated string literal"))
}

/// The character after a backslash; any sequence not in the documented list is an error.
fn escape(chars: &[char], i: usize) -> Result<(SChar, usize), ApiError> {
    let bad = |s: &str| {
        ApiError::malformed_query(format!(
            "Invalid string literal '\\{s}'. Illegal escape sequence '\\{s}'"
        ))
    };
    let c = *chars.get(i).ok_or_else(|| bad(""))?;
    let lit = match c {
        'n' | 'N' => '\n',
        'r' | 'R' => '\r',
        't' | 'T' => '\t',
        'b' | 'B' => '\u{8}',
        'f' | 'F' => '\u{c}',
        '"' | '\'' | '\\' => c,
        '%' | '_' => return Ok((SChar::Escaped(c), 1)),
        'u' => {
            let hex: String = chars
                .get(i + 1..i + 5)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            let ch = u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| bad(&format!("u{hex}")))?;
            return Ok((SChar::Lit(ch), 5));
        }
        other => return Err(bad(&other.to_string())),
    };
    Ok((SChar::Lit(lit), 1))
}

fn number_or_date(chars: &[char], i: usize) -> Result<(Tok, usize), ApiError> {
    let end = scan(chars, i + 1, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')
    });
    let text: String = chars[i..end].iter().collect();
    if let Ok(n) = text.parse::<f64>() {
        return Ok((Tok::Num(n), end));
    }
    if text.len() == 10 {
        let date = domain::datetime::parse_date(&text).map_err(|_| bad_date(&text))?;
        return Ok((Tok::Date(domain::datetime::format_date(date)), end));
    }
    datetime(&text).map(|t| (Tok::DateTime(t), end))
}

fn bad_date(text: &str) -> ApiError {
    ApiError::malformed_query(format!(
        "line 1:0 no viable alternative at character '{text}'"
    ))
}

/// `2024-05-01T10:00:00Z`, `…+08:00`, `…-08:00`, optional fraction; a zone is mandatory.
fn datetime(text: &str) -> Result<String, ApiError> {
    let zoned = text.ends_with('Z')
        || text.get(text.len().saturating_sub(6)..).is_some_and(|z| {
            let b = z.as_bytes();
            (b[0] == b'+' || b[0] == b'-') && b[3] == b':'
        });
    if !zoned || text.get(10..11) != Some("T") {
        return Err(bad_date(text));
    }
    domain::datetime::parse_sf(text)
        .map(domain::datetime::format_sf)
        .map_err(|_| bad_date(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &Tok) -> String {
        match t {
            Tok::Str(cs) => cs
                .iter()
                .map(|c| match c {
                    SChar::Lit(c) | SChar::Escaped(c) => *c,
                })
                .collect(),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn documented_escapes_decode() {
        let toks = tokenize(r#"'O\'Brien' 'a\\b' 'tab\there' 'uni\u4e2d' 'q\"'"#).unwrap();
        let got: Vec<String> = toks.iter().map(text).collect();
        assert_eq!(got, vec!["O'Brien", "a\\b", "tab\there", "uni中", "q\""]);
    }

    #[test]
    fn unknown_escapes_and_open_strings_are_errors() {
        for bad in [r"'\q'", r"'\x41'", "'open", r"'\u12'"] {
            let err = tokenize(bad).unwrap_err();
            assert_eq!(err.errors[0].code, "MALFORMED_QUERY", "{bad}");
        }
    }

    #[test]
    fn wildcard_escapes_stay_marked() {
        let toks = tokenize(r"'50\%\_'").unwrap();
        assert_eq!(
            toks[0],
            Tok::Str(vec![
                SChar::Lit('5'),
                SChar::Lit('0'),
                SChar::Escaped('%'),
                SChar::Escaped('_')
            ])
        );
    }

    #[test]
    fn date_and_datetime_literals_normalise_to_utc() {
        let toks =
            tokenize("2024-05-01 2024-05-01T10:00:00+08:00 2024-05-01T10:00:00Z -3.5").unwrap();
        assert_eq!(toks[0], Tok::Date("2024-05-01".into()));
        assert_eq!(
            toks[1],
            Tok::DateTime("2024-05-01T02:00:00.000+0000".into())
        );
        assert_eq!(
            toks[2],
            Tok::DateTime("2024-05-01T10:00:00.000+0000".into())
        );
        assert_eq!(toks[3], Tok::Num(-3.5));
        assert!(
            tokenize("2024-05-01T10:00:00").is_err(),
            "a zone is mandatory"
        );
        assert!(tokenize("2024-13-01").is_err());
    }
}
