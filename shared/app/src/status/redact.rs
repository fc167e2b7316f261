//! Text that leaves the system (the digest mail): HTML escaping, and removing contacts (phone
//! numbers, e-mail addresses) from free text — error details can quote a refused value, and a
//! record's display name can fall back to its mobile or e-mail. Ids and dates are kept.

use domain::identity::normalize_email;

const MASK: &str = "***";

/// Characters that end a word for the e-mail check.
fn is_word_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';'
                | '('
                | ')'
                | '<'
                | '>'
                | '"'
                | '\''
                | '['
                | ']'
                | '，'
                | '；'
                | '（'
                | '）'
                | '「'
                | '」'
                | '“'
                | '”'
                | '、'
                | '：'
                | '。'
        )
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Characters a phone number is written with besides digits.
fn is_phone_joiner(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '+' | '(' | ')' | '.' | '\u{3000}' | '＋' | '（' | '）' | '－'
    )
}

/// `2024-05-01` and `2024/5/1` are dates, not phone numbers.
fn looks_like_date(run: &str) -> bool {
    let parts: Vec<&str> = run.split(['-', '/']).collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Mask runs of at least 7 digits (with the separators people type) that are not part of an
/// alphanumeric id and are not dates.
fn redact_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !(is_digit(chars[i]) || chars[i] == '+' || chars[i] == '＋') {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && (is_digit(chars[end]) || is_phone_joiner(chars[end])) {
            end += 1;
        }
        // Give back trailing separators: they belong to the surrounding text.
        while end > i && !is_digit(chars[end - 1]) {
            end -= 1;
        }
        let run: String = chars[i..end.max(i + 1)].iter().collect();
        let digits = run.chars().filter(|c| is_digit(*c)).count();
        let glued = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        let in_id = glued(i.checked_sub(1).and_then(|p| chars.get(p))) || glued(chars.get(end));
        if digits >= 7 && !in_id && !looks_like_date(&run) {
            out.push_str(MASK);
        } else {
            out.push_str(&run);
        }
        i = end.max(i + 1);
    }
    out
}

fn redact_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let bare = word.trim_end_matches(['.', '。']);
        let is_email =
            (bare.contains('@') || bare.contains('＠')) && normalize_email(bare).is_some();
        if is_email {
            out.push_str(MASK);
            out.push_str(&word[bare.len()..]);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word_break(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The text with every phone number and e-mail address replaced by `***`.
pub fn redact_contacts(text: &str) -> String {
    redact_phones(&redact_emails(text))
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_are_masked() {
        assert_eq!(redact_contacts("张三13800138000"), "张三***");
        assert_eq!(
            redact_contacts("call +86 138 0013 8000 now"),
            "call *** now"
        );
        assert_eq!(redact_contacts("（＋８６）１３８００１３８０００"), "（***");
        assert_eq!(redact_contacts("Zhang.San@Acme.example."), "***.");
        assert_eq!(redact_contacts("邮箱：li＠x.cn，电话"), "邮箱：***，电话");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn ids_dates_and_small_numbers_stay() {
        for keep in [
            "00Q000000000001AAA",
            "NttdW4NoJfD2cX6f7rg52f",
            "max length=255",
            "2024-05-01",
            "Lead.Industry__c",
            "a@ (not an address)",
        ] {
            assert_eq!(redact_contacts(keep), keep);
        }
    }
}
