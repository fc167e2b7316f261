//! The parsing direction: string literals, LIKE patterns and tokens of SOQL text, for property
//! tests and the Salesforce simulator, which must refuse exactly what Salesforce refuses.

use super::SoqlError;

/// Parse a quoted SOQL string literal (`'O\'Brien'`) back to its value, as Salesforce does for
/// `=`/`IN` comparisons: the escapes of §6.2 (either case) and `\uXXXX`; `\%` and `\_` are LIKE-only
/// and refused here, as is any other backslash sequence or an unescaped quote.
pub fn unescape_literal(quoted: &str) -> Result<String, SoqlError> {
    let inner = strip_quotes(quoted)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(unescape_one(&mut chars)?),
            '\'' => {
                return Err(SoqlError::MalformedLiteral(
                    "unescaped quote inside the string",
                ));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn strip_quotes(quoted: &str) -> Result<&str, SoqlError> {
    quoted
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|_| quoted.len() >= 2)
        .ok_or(SoqlError::MalformedLiteral("not enclosed in single quotes"))
}

/// The character an escape sequence stands for; `chars` is just past the backslash.
fn unescape_one(chars: &mut std::str::Chars<'_>) -> Result<char, SoqlError> {
    Ok(match chars.next() {
        Some('n' | 'N') => '\n',
        Some('r' | 'R') => '\r',
        Some('t' | 'T') => '\t',
        Some('b' | 'B') => '\u{8}',
        Some('f' | 'F') => '\u{c}',
        Some(c @ ('"' | '\'' | '\\')) => c,
        Some('u') => {
            let hex: String = chars.by_ref().take(4).collect();
            let code = (hex.len() == 4)
                .then(|| u32::from_str_radix(&hex, 16).ok())
                .flatten()
                .ok_or(SoqlError::MalformedLiteral("\\u needs four hex digits"))?;
            char::from_u32(code).ok_or(SoqlError::MalformedLiteral("\\u is not a character"))?
        }
        Some(_) => return Err(SoqlError::MalformedLiteral("invalid escape sequence")),
        None => return Err(SoqlError::MalformedLiteral("dangling backslash")),
    })
}

/// One element of a parsed `LIKE` pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeToken {
    Char(char),
    /// `_`: exactly one character.
    AnyOne,
    /// `%`: any run of characters.
    AnyMany,
}

/// A parsed `LIKE` pattern; matching is case-insensitive, as in SOQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern(pub Vec<LikeToken>);

impl LikePattern {
    /// Parse a quoted LIKE literal (`'%O\'Brien\_%'`).
    pub fn parse(quoted: &str) -> Result<Self, SoqlError> {
        let inner = strip_quotes(quoted)?;
        let mut tokens = Vec::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '%' => LikeToken::AnyMany,
                '_' => LikeToken::AnyOne,
                '\'' => {
                    return Err(SoqlError::MalformedLiteral(
                        "unescaped quote inside the string",
                    ));
                }
                '\\' => {
                    let mut ahead = chars.clone();
                    match ahead.next() {
                        Some(w @ ('%' | '_')) => {
                            chars = ahead;
                            LikeToken::Char(w)
                        }
                        _ => LikeToken::Char(unescape_one(&mut chars)?),
                    }
                }
                c => LikeToken::Char(c),
            });
        }
        Ok(Self(tokens))
    }

    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        let pattern: Vec<LikeToken> = self
            .0
            .iter()
            .flat_map(|t| -> Box<dyn Iterator<Item = LikeToken>> {
                match t {
                    LikeToken::Char(c) => Box::new(c.to_lowercase().map(LikeToken::Char)),
                    other => Box::new(std::iter::once(*other)),
                }
            })
            .collect();
        like_match(&pattern, &text)
    }
}

/// Iterative wildcard matching over lowercased input with single-star backtracking (linear in
/// practice, no recursion).
fn like_match(pattern: &[LikeToken], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(LikeToken::AnyMany) => {
                star = Some((p, t));
                p += 1;
            }
            Some(LikeToken::AnyOne) => (p, t) = (p + 1, t + 1),
            Some(LikeToken::Char(c)) if *c == text[t] => (p, t) = (p + 1, t + 1),
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    (p, t) = (sp + 1, st + 1);
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|tok| *tok == LikeToken::AnyMany)
}

/// A lexical token of a SOQL statement, for checking rendered clauses (and simple parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// Keywords, field names, numbers, date/datetime literals, `null`, `true`.
    Word(&'a str),
    /// A string literal exactly as written, quotes and escapes included.
    Str(&'a str),
    /// Operators, parentheses and commas.
    Punct(&'a str),
}

/// Split a SOQL statement into tokens. String literals end at the first quote not preceded by an
/// escaping backslash; an unterminated literal is an error.
pub fn tokenize(soql: &str) -> Result<Vec<Token<'_>>, SoqlError> {
    let bytes = soql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b == b'\'' {
            i = literal_end(bytes, i + 1)?;
            tokens.push(Token::Str(&soql[start..i]));
        } else if is_word_byte(b) {
            while i < bytes.len() && is_word_byte(bytes[i]) {
                i += 1;
            }
            tokens.push(Token::Word(&soql[start..i]));
        } else {
            i += punct_len(&bytes[i..])
                .ok_or(SoqlError::MalformedLiteral("unexpected character"))?;
            tokens.push(Token::Punct(&soql[start..i]));
        }
    }
    Ok(tokens)
}

/// Index just past the closing quote of a literal whose body starts at `i`.
fn literal_end(bytes: &[u8], mut i: usize) -> Result<usize, SoqlError> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(SoqlError::MalformedLiteral("unterminated string"))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'+')
}

fn punct_len(rest: &[u8]) -> Option<usize> {
    match rest {
        [b'!' | b'<' | b'>', b'=', ..] | [b'<', b'>', ..] => Some(2),
        [b'(' | b')' | b',' | b'=' | b'<' | b'>', ..] => Some(1),
        _ => None,
    }
}
