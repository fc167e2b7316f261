//! JING's duplicate rules, as `docs/jing-contract.md` states them: a lead matches a live lead
//! with the same mobile (digits, a `86` country prefix dropped) or the same e-mail
//! (case-insensitive); an account matches a live account with the same name (`company_id`,
//! case-insensitive). JING applies them itself (a matching create answers `42205` with the
//! existing id, which the writer binds); a dry run, which must not create, predicts the answer
//! with these keys.

use crate::identity;

/// One value JING's duplicate rules compare: the field and its normalized value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DuplicateKey {
    pub field: &'static str,
    pub value: String,
}

/// The fields JING's duplicate rules compare on one object (none on other objects).
pub fn duplicate_fields(jing_object: &str) -> &'static [&'static str] {
    match jing_object {
        "lead" => &["mobile", "email"],
        "account" => &["company_id"],
        _ => &[],
    }
}

/// The duplicate keys of a record of `jing_object` whose field values `text` answers (blank
/// values have no key: two blanks are not a duplicate).
pub fn duplicate_keys(
    jing_object: &str,
    text: impl Fn(&str) -> Option<String>,
) -> Vec<DuplicateKey> {
    duplicate_fields(jing_object)
        .iter()
        .filter_map(|field| {
            let value = normalized(field, &text(field)?)?;
            Some(DuplicateKey { field, value })
        })
        .collect()
}

fn normalized(field: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if field == "email" {
        return Some(identity::email_key(raw).into_owned());
    }
    if field != "mobile" {
        return Some(raw.to_lowercase());
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    Some(match digits.strip_prefix("86") {
        Some(national) if national.len() == 11 => national.to_owned(),
        _ => digits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(object: &str, pairs: &[(&str, &str)]) -> Vec<DuplicateKey> {
        duplicate_keys(object, |f| {
            pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn leads_match_on_mobile_digits_and_email_in_any_case() {
        let a = keys(
            "lead",
            &[
                ("mobile", "+86 138-0013-8000"),
                ("email", " Wang@Acme.example "),
            ],
        );
        let b = keys(
            "lead",
            &[("mobile", "13800138000"), ("email", "wang@acme.example")],
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].value, "13800138000");
    }

    #[test]
    fn accounts_match_on_name_and_blanks_never_match() {
        assert_eq!(
            keys("account", &[("company_id", "ACME 上海")]),
            keys("account", &[("company_id", "acme 上海")])
        );
        assert!(keys("lead", &[("mobile", "  "), ("email", "")]).is_empty());
        assert!(keys("lead", &[("name", "王")]).is_empty());
        assert!(keys("opportunity", &[("company_id", "x")]).is_empty());
    }

    #[test]
    fn a_short_number_starting_with_86_keeps_its_digits() {
        assert_eq!(keys("lead", &[("mobile", "8612345")])[0].value, "8612345");
    }
}
