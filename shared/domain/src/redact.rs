//! Error texts without the values that caused them. Parsers (serde, quick-xml, our own) quote
//! the offending input in their messages — `invalid type: string "13800138000", expected u16`
//! — and such texts end up in logs, dead-letter reasons and error records. Everything quoted is
//! masked; the shape of the message (what was expected, where) stays, so it still says what to
//! fix.

/// What replaces a quoted value.
pub const MASK: &str = "…";

/// `text` with the content of every `"…"` and `` `…` `` span masked (an unterminated span is
/// masked to the end: it is the tail of a quoted value).
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match open {
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                    out.push_str(MASK);
                }
            }
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    out.push(c);
                    open = None;
                }
            }
        }
    }
    out
}

/// A JSON decoding error as a text without the input's values: the masked message (serde
/// quotes unexpected strings and numbers) with its line and column.
pub fn json_error(e: &serde_json::Error) -> String {
    let msg = quoted(&e.to_string());
    // serde_json appends " at line L column C" to the message; keep it once.
    if e.line() == 0 || msg.contains(" at line ") {
        msg
    } else {
        format!("{msg} at line {} column {}", e.line(), e.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_masked_and_the_shape_stays() {
        assert_eq!(
            quoted(r#"invalid type: string "13800138000", expected u16"#),
            r#"invalid type: string "…", expected u16"#
        );
        assert_eq!(
            quoted("invalid value: integer `13800138000`, expected a date"),
            "invalid value: integer `…`, expected a date"
        );
        assert_eq!(
            quoted(r#"bad "a \"quoted\" li@x.cn" and "second""#),
            r#"bad "…" and "…""#
        );
        assert_eq!(quoted(r#"tail "li@x.cn"#), r#"tail "…"#);
        assert_eq!(quoted("nothing quoted"), "nothing quoted");
    }

    #[test]
    fn json_errors_keep_their_position_but_no_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Row {
            n: u16,
        }
        let e = serde_json::from_str::<Row>(r#"{"n": "13800138000"}"#).unwrap_err();
        assert!(e.to_string().contains("13800138000"), "{e}");
        let text = json_error(&e);
        assert!(!text.contains("13800138000"), "{text}");
        assert!(text.contains("line 1 column"), "{text}");
        let e = serde_json::from_str::<Row>(r#"{"n": 1"#).unwrap_err();
        assert!(json_error(&e).contains("EOF"), "{}", json_error(&e));
    }
}
