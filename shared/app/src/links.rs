//! Where a record opens in a browser, on both sides: Salesforce from the org's instance URL,
//! JING from the app's `jing_record_url` template (`{object}` and `{id}` filled in).

use crate::settings::AppSettings;
use domain::{JingId, ObjectKind, ObjectSpec, SfId};

/// Salesforce's record page (Lightning) of `sf_object` `id`, when the org is known.
pub fn salesforce(settings: &AppSettings, sf_object: &str, id: &SfId) -> Option<String> {
    let base = settings
        .authorized
        .as_ref()?
        .instance_url
        .trim_end_matches('/');
    Some(format!("{base}/lightning/r/{sf_object}/{id}/view"))
}

/// JING's record page from the app's template (`{object}`: JING's object code — `lead`,
/// `account`, `employee` for members); None without a template.
pub fn jing(settings: &AppSettings, kind: ObjectKind, id: &JingId) -> Option<String> {
    let template = settings.jing_record_url.as_deref()?;
    Some(
        template
            .replace("{object}", ObjectSpec::of(kind).jing_object)
            .replace("{id}", &encode(id.as_str())),
    )
}

/// Percent-encode everything but unreserved characters (an id is one path segment).
fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Check a `jing_record_url` template: an absolute http(s) URL with `{id}` in it, no spaces,
/// and no placeholder other than `{object}` and `{id}`. Returns it trimmed.
pub fn check_template(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if !(t.starts_with("https://") || t.starts_with("http://")) {
        return Err("jing_record_url must start with https:// (or http://)".into());
    }
    if !t.contains("{id}") {
        return Err("jing_record_url must contain {id} (and may contain {object})".into());
    }
    let rest = t.replace("{object}", "").replace("{id}", "");
    if rest.contains(['{', '}']) || t.chars().any(char::is_whitespace) {
        return Err(
            "jing_record_url may hold only the placeholders {object} and {id}, and no spaces"
                .into(),
        );
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Environment;
    use domain::AppId;

    fn settings(template: Option<&str>) -> AppSettings {
        let mut s = AppSettings::new(
            AppId::parse("acme").unwrap(),
            "Acme",
            Environment::Production,
            "jing-app",
            "tenant",
        );
        s.jing_record_url = template.map(Into::into);
        s
    }

    #[test]
    fn the_template_names_object_and_encoded_id() {
        let s = settings(Some("https://app.jing.example/{object}/{id}?from=sf"));
        let id = JingId::parse("L-12").unwrap();
        assert_eq!(
            jing(&s, ObjectKind::Lead, &id).as_deref(),
            Some("https://app.jing.example/lead/L-12?from=sf")
        );
        assert_eq!(jing(&settings(None), ObjectKind::Lead, &id), None);
        assert_eq!(encode("a b/ç"), "a%20b%2F%C3%A7");
    }

    #[test]
    fn templates_are_checked() {
        assert_eq!(
            check_template(" https://x.example/{object}/{id} ").as_deref(),
            Ok("https://x.example/{object}/{id}")
        );
        for bad in [
            "x.example/{id}",
            "https://x.example/{object}",
            "https://x.example/{tenant}/{id}",
            "https://x.example/a b/{id}",
            "javascript:alert(1)//{id}",
        ] {
            assert!(check_template(bad).is_err(), "{bad}");
        }
    }
}
