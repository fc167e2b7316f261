//! Identity normalization for matching people across the systems (members by mobile or e-mail).
//!
//! JING users type numbers with full-width digits, spaces, dashes and country prefixes in every
//! spelling; Salesforce stores whatever was typed. Both sides are normalized to one form first:
//! a Chinese mobile becomes its 11 national digits, any other number written with an international
//! prefix becomes `+<digits>`, and anything else that is not a phone number becomes `None`.

use std::borrow::Cow;

/// Separators people put inside phone numbers; dropped before parsing.
const PHONE_SEPARATORS: &[char] = &[' ', '\u{3000}', '\u{a0}', '-', '.', '(', ')', '/', '–', '—'];

/// E.164 allows at most 15 digits; fewer than 7 is never a reachable subscriber number.
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

/// Full-width ASCII (`１`, `＋`, `＠`, `（`) → ASCII; ideographic space → space.
fn to_half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// A Chinese mobile: 11 digits, `1` then `3`–`9`.
fn is_chinese_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// Normalize a phone number for matching; see the module docs. Idempotent.
///
/// `+86 138 0013 8000`, `0086-13800138000`, `86 13800138000`, `(+86)13800138000`,
/// `１３８００１３８０００` and `138-0013-8000` all become `13800138000`; `+1 (415) 555-2671` becomes
/// `+14155552671`; a number without any international prefix that is not a Chinese mobile keeps
/// its digits (its country is unknown, so it only matches the same national spelling).
pub fn normalize_mobile(raw: &str) -> Option<String> {
    let mut compact = String::with_capacity(raw.len());
    for c in raw.chars().map(to_half_width) {
        match c {
            c if PHONE_SEPARATORS.contains(&c) => {}
            '+' if compact.is_empty() => compact.push('+'),
            c if c.is_ascii_digit() => compact.push(c),
            _ => return None,
        }
    }
    let (international, digits) = match compact.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => match compact.strip_prefix("00") {
            Some(rest) => (true, rest),
            None => (false, compact.as_str()),
        },
    };
    if let Some(mobile) = digits.strip_prefix("86").filter(|m| is_chinese_mobile(m)) {
        return Some(mobile.to_owned());
    }
    if is_chinese_mobile(digits) && !international {
        return Some(digits.to_owned());
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return None;
    }
    if international {
        (!digits.starts_with('0')).then(|| format!("+{digits}"))
    } else {
        Some(digits.to_owned())
    }
}

/// `raw` is already in [`normalize_mobile`]'s form: plain digits, no international prefix. The
/// usual case of a stored number, told without allocating (the planner compares phones often).
pub fn is_normal_mobile(raw: &str) -> bool {
    let b = raw.as_bytes();
    let prefixed_mobile = raw.strip_prefix("86").is_some_and(is_chinese_mobile);
    (MIN_DIGITS..=MAX_DIGITS).contains(&b.len())
        && b.iter().all(u8::is_ascii_digit)
        && !b.starts_with(b"00")
        && !prefixed_mobile
}

/// An e-mail address as addresses compare: without regard to letter case (the domain is
/// case-insensitive, and every mainstream provider treats the local part so too). The one place
/// that says so: identity matching, JING duplicate keys and the planner's comparisons use it.
/// Borrowed when already in lower case (the usual stored address, told without allocating).
pub fn email_key(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() {
        if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(raw.to_ascii_lowercase());
        }
        return Cow::Borrowed(raw);
    }
    let lower = raw.to_lowercase();
    if lower == raw {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(lower)
    }
}

/// Two e-mail addresses are one address: their [`email_key`]s are equal. Told without
/// allocating when both are ASCII (the usual case; the planner compares e-mails often).
pub fn same_email(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        email_key(a) == email_key(b)
    }
}

/// Normalize an e-mail address for matching: trimmed, full-width ASCII folded, in [`email_key`]
/// form, exactly one `@` with something on both sides and no whitespace inside. Anything else
/// is `None`.
pub fn normalize_email(raw: &str) -> Option<String> {
    let folded: String = raw.chars().map(to_half_width).collect();
    let email = email_key(folded.trim()).into_owned();
    let (local, domain) = email.split_once('@')?;
    let well_formed = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace);
    well_formed.then_some(email)
}

/// Whether two people are the same by identity: normalized mobiles equal, or normalized e-mails
/// equal. A missing or unparseable value never matches anything (two blanks are not a match).
pub fn same_person(
    a_mobile: Option<&str>,
    a_email: Option<&str>,
    b_mobile: Option<&str>,
    b_email: Option<&str>,
) -> bool {
    let same = |a: Option<&str>, b: Option<&str>, norm: fn(&str) -> Option<String>| match (
        a.and_then(norm),
        b.and_then(norm),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    same(a_mobile, b_mobile, normalize_mobile) || same(a_email, b_email, normalize_email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_chinese_mobile_spelling_becomes_eleven_digits() {
        for raw in [
            "+86 138 0013 8000",
            "0086-13800138000",
            "86 13800138000",
            "(+86)13800138000",
            "（＋８６）１３８００１３８０００",
            "１３８００１３８０００",
            "138-0013-8000",
            "138.0013.8000",
            " 13800138000 ",
            "+86-138\u{3000}0013\u{3000}8000",
            "13800138000",
        ] {
            assert_eq!(
                normalize_mobile(raw).as_deref(),
                Some("13800138000"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn other_international_numbers_keep_their_country_code() {
        assert_eq!(
            normalize_mobile("+1 (415) 555-2671").as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            normalize_mobile("0044 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalize_mobile("+852 9123 4567").as_deref(),
            Some("+85291234567")
        );
    }

    #[test]
    fn national_numbers_without_prefix_keep_their_digits() {
        assert_eq!(
            normalize_mobile("010-6234 5678").as_deref(),
            Some("01062345678")
        );
        // 12800138000 is not a Chinese mobile (second digit 2), so it stays as typed.
        assert_eq!(
            normalize_mobile("128 0013 8000").as_deref(),
            Some("12800138000")
        );
    }

    proptest! {
        #[test]
        fn a_number_told_normal_is_its_own_normal_form(raw in "(00|86|\\+)?(1[3-9][0-9]{9}|[0-9]{0,15})( [0-9])?") {
            let normal = normalize_mobile(&raw).as_deref() == Some(raw.as_str());
            // Exact for plain digits; a "+…" number may be normal without being told so.
            if raw.bytes().all(|b| b.is_ascii_digit()) {
                prop_assert_eq!(is_normal_mobile(&raw), normal, "{:?}", raw);
            } else {
                prop_assert!(!is_normal_mobile(&raw), "{:?}", raw);
            }
        }
    }

    #[test]
    fn garbage_is_none() {
        for raw in [
            "",
            "   ",
            "n/a",
            "138001380OO",
            "13800138000 ext 12",
            "1+3800138000",
            "123",
            "+0123456789",
            "+1234567890123456",
            "++8613800138000",
        ] {
            assert_eq!(normalize_mobile(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn an_email_key_ignores_case_and_borrows_what_is_already_lower_case() {
        assert_eq!(email_key("Shared0@ACME.example"), "shared0@acme.example");
        assert_eq!(email_key("ÉLISE@Acme.example"), "élise@acme.example");
        assert!(matches!(
            email_key("shared0@acme.example"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(email_key("élise@acme.example"), Cow::Borrowed(_)));
        assert_ne!(email_key("a.b@acme.example"), email_key("ab@acme.example"));
        assert!(same_email("Shared0@ACME.example", "shared0@acme.example"));
        assert!(same_email("ÉLISE@Acme.example", "élise@acme.example"));
        assert!(!same_email("a.b@acme.example", "ab@acme.example"));
        assert!(!same_email("élise@acme.example", "elise@acme.example"));
    }

    #[test]
    fn emails_are_trimmed_folded_and_lowercased() {
        assert_eq!(
            normalize_email("  Ng@ACME.example ").as_deref(),
            Some("ng@acme.example")
        );
        assert_eq!(
            normalize_email("ｎｇ＠ａｃｍｅ．ｃｏｍ").as_deref(),
            Some("ng@acme.com")
        );
        assert_eq!(
            normalize_email("\u{3000}li@x.cn\u{3000}").as_deref(),
            Some("li@x.cn")
        );
        for bad in [
            "",
            "ng",
            "@acme.com",
            "ng@",
            "a@b@c",
            "n g@acme.com",
            "ng＠＠acme.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn same_person_matches_on_mobile_or_email() {
        let sf = (Some("+86 138 0013 8000"), Some("rep@acme.example"));
        assert!(same_person(sf.0, sf.1, Some("13800138000"), None));
        assert!(same_person(
            sf.0,
            sf.1,
            Some("13900000000"),
            Some("REP@acme.example")
        ));
        assert!(!same_person(
            sf.0,
            sf.1,
            Some("13900000000"),
            Some("other@acme.example")
        ));
        assert!(!same_person(None, None, None, None));
        assert!(!same_person(Some("n/a"), None, Some("n/a"), None));
    }

    proptest! {
        #[test]
        fn normalize_mobile_is_idempotent(raw in "[ +()０-９0-9.\\-]{0,24}") {
            if let Some(once) = normalize_mobile(&raw) {
                prop_assert_eq!(normalize_mobile(&once), Some(once.clone()));
            }
        }

        #[test]
        fn chinese_mobiles_survive_any_decoration(
            n in "1[3-9][0-9]{9}", prefix in prop::sample::select(vec!["", "+86", "0086", "86 ", "(+86)"]),
        ) {
            let spaced = format!("{prefix}{} {} {}", &n[..3], &n[3..7], &n[7..]);
            prop_assert_eq!(normalize_mobile(&spaced), Some(n));
        }

        #[test]
        fn normalize_email_is_idempotent(raw in "\\PC{0,30}") {
            if let Some(once) = normalize_email(&raw) {
                prop_assert_eq!(normalize_email(&once), Some(once.clone()));
            }
        }
    }
}
