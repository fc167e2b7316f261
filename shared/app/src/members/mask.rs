//! Contacts masked for display: the admin recognizes a person without the list leaking the
//! full number or address (screenshots, shared screens, logs).

use domain::identity::{normalize_email, normalize_mobile};

/// `+86 138 0013 8000` → `138****8000`; anything that is not a phone number → `***`.
pub fn mask_mobile(raw: &str) -> String {
    let Some(n) = normalize_mobile(raw) else {
        return "***".to_owned();
    };
    let chars: Vec<char> = n.chars().collect();
    let (head, tail) = if chars.len() >= 10 { (3, 4) } else { (2, 2) };
    let hidden = chars.len().saturating_sub(head + tail).max(1);
    let start: String = chars.iter().take(head).collect();
    let end: String = chars[chars.len().saturating_sub(tail)..].iter().collect();
    format!("{start}{}{end}", "*".repeat(hidden))
}

/// `Zhang.San@Acme.example` → `z***@acme.example`; anything that is not an address → `***`.
pub fn mask_email(raw: &str) -> String {
    let Some(e) = normalize_email(raw) else {
        return "***".to_owned();
    };
    let (local, domain) = e.split_once('@').unwrap_or((&e, ""));
    let first: String = local.chars().take(1).collect();
    format!("{first}***@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_keep_prefix_and_last_four() {
        assert_eq!(mask_mobile("+86 138 0013 8000"), "138****8000");
        assert_eq!(mask_mobile("１３８００１３８０００"), "138****8000");
        assert_eq!(mask_mobile("+1 (415) 555-2671"), "+14*****2671");
        assert_eq!(mask_mobile("n/a"), "***");
    }

    #[test]
    fn emails_keep_first_letter_and_domain() {
        assert_eq!(mask_email("Zhang.San@Acme.example"), "z***@acme.example");
        assert_eq!(mask_email("not an address"), "***");
    }
}
