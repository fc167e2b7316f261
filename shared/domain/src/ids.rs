//! Identifiers parsed at the edge: app ids, Salesforce ids (15 ⇄ 18 characters), JING ids.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("app id must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_', got {0:?}")]
    App(String),
    #[error("Salesforce id must be 15 or 18 alphanumeric characters, got {0:?}")]
    SfShape(String),
    #[error("Salesforce id {0:?} has a wrong case-checksum suffix")]
    SfChecksum(String),
    #[error("Salesforce id {id:?} has key prefix {found:?}, expected {expected:?}")]
    SfPrefix {
        id: String,
        found: String,
        expected: String,
    },
    #[error("JING id must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_', got {0:?}")]
    Jing(String),
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// One installed connector app (one JING app bound to one Salesforce org).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppId(String);

impl AppId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if raw.is_empty() || raw.len() > 64 || !raw.chars().all(is_token_char) {
            return Err(IdError::App(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JING record id ("jing_uuid"): a short uuid of no fixed length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JingId(String);

impl JingId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if raw.is_empty() || raw.len() > 64 || !raw.chars().all(is_token_char) {
            return Err(IdError::Jing(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The three-character checksum Salesforce appends to a 15-character id.
pub fn sf_id_suffix(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            SUFFIX_ALPHABET[bits] as char
        })
        .collect()
}

/// A Salesforce record id, always held in its canonical 18-character form.
///
/// 15-character ids are case-sensitive; the 18-character form adds a case checksum so it can be
/// compared case-insensitively. We accept either and always store and emit 18.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SfId(String);

impl SfId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let raw = raw.trim();
        if !raw.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(IdError::SfShape(raw.to_owned()));
        }
        match raw.len() {
            15 => Ok(Self(format!("{raw}{}", sf_id_suffix(raw)))),
            18 => {
                let (body, suffix) = raw.split_at(15);
                // The suffix is case-insensitive; the body's case is recovered from it.
                let expected = sf_id_suffix(body);
                if expected.eq_ignore_ascii_case(suffix) {
                    return Ok(Self(format!("{body}{expected}")));
                }
                // An 18-char id may arrive upper- or lower-cased (it is case-insensitive):
                // restore the body's case from the suffix bits.
                let restored = restore_case(body, suffix)
                    .ok_or_else(|| IdError::SfChecksum(raw.to_owned()))?;
                Ok(Self(format!("{restored}{}", sf_id_suffix(&restored))))
            }
            _ => Err(IdError::SfShape(raw.to_owned())),
        }
    }

    /// Parse and insist on a key prefix (`00Q` Lead, `001` Account, ...).
    pub fn parse_with_prefix(raw: &str, prefix: &str) -> Result<Self, IdError> {
        let id = Self::parse(raw)?;
        if id.key_prefix() != prefix {
            return Err(IdError::SfPrefix {
                id: id.0.clone(),
                found: id.key_prefix().to_owned(),
                expected: prefix.to_owned(),
            });
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn id15(&self) -> &str {
        &self.0[..15]
    }
    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
    }
    pub fn kind(&self) -> Option<SfKeyPrefix> {
        SfKeyPrefix::from_prefix(self.key_prefix())
    }
}

/// Restore the case of a 15-char body from its (case-insensitive) checksum suffix.
fn restore_case(body: &str, suffix: &str) -> Option<String> {
    let suffix = suffix.to_ascii_uppercase();
    let mut out = String::with_capacity(15);
    for (chunk, s) in body.as_bytes().chunks(5).zip(suffix.bytes()) {
        let bits = SUFFIX_ALPHABET.iter().position(|&a| a == s)?;
        for (i, &b) in chunk.iter().enumerate() {
            let upper = bits & (1 << i) != 0;
            if upper && !b.is_ascii_alphabetic() {
                return None;
            }
            out.push(if upper {
                b.to_ascii_uppercase() as char
            } else {
                b.to_ascii_lowercase() as char
            });
        }
    }
    Some(out)
}

/// Key prefixes the connector cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SfKeyPrefix {
    Lead,
    Account,
    Opportunity,
    User,
    Contact,
    Organization,
    Group,
}

impl SfKeyPrefix {
    pub fn from_prefix(p: &str) -> Option<Self> {
        Some(match p {
            "00Q" => Self::Lead,
            "001" => Self::Account,
            "006" => Self::Opportunity,
            "005" => Self::User,
            "003" => Self::Contact,
            "00D" => Self::Organization,
            "00G" => Self::Group,
            _ => return None,
        })
    }
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Lead => "00Q",
            Self::Account => "001",
            Self::Opportunity => "006",
            Self::User => "005",
            Self::Contact => "003",
            Self::Organization => "00D",
            Self::Group => "00G",
        }
    }
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl std::str::FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
    };
}
string_newtype_impls!(AppId);
string_newtype_impls!(JingId);
string_newtype_impls!(SfId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_char_id_gets_its_documented_suffix() {
        // Chunks "00Q5g" (Q upper: bit 2 -> E), "00000" (A), "XyZaB" (bits 0,2,4 = 21 -> V)
        let id = SfId::parse("00Q5g00000XyZaB").unwrap();
        assert_eq!(id.as_str(), "00Q5g00000XyZaBEAV");
        assert_eq!(id.id15(), "00Q5g00000XyZaB");
        assert_eq!(id.kind(), Some(SfKeyPrefix::Lead));
    }

    #[test]
    fn eighteen_char_id_is_accepted_in_any_case() {
        let canonical = SfId::parse("0015g00000AbCdEAAV").unwrap();
        assert_eq!(SfId::parse("0015G00000ABCDEAAV").unwrap(), canonical);
        assert_eq!(SfId::parse("0015g00000abcdeaav").unwrap(), canonical);
    }

    #[test]
    fn garbage_ids_are_refused() {
        for bad in [
            "",
            "00Q",
            "00Q5g00000XyZaB!",
            "00Q5g00000XyZaBAAVX",
            "00Q 5g00000XyZaB",
        ] {
            assert!(SfId::parse(bad).is_err(), "{bad:?} should be refused");
        }
        // wrong checksum: suffix says chunk 3 has upper-case at a digit position
        assert!(matches!(
            SfId::parse("000000000000000AAB"),
            Err(IdError::SfChecksum(_))
        ));
    }

    #[test]
    fn prefix_is_checked_when_asked() {
        assert!(SfId::parse_with_prefix("00Q5g00000XyZaB", "00Q").is_ok());
        assert!(matches!(
            SfId::parse_with_prefix("00Q5g00000XyZaB", "001"),
            Err(IdError::SfPrefix { .. })
        ));
    }

    #[test]
    fn app_and_jing_ids_validate_their_alphabet() {
        assert!(AppId::parse("acme-prod_1").is_ok());
        assert!(AppId::parse("acme prod").is_err());
        assert!(JingId::parse("NttdW4NoJfD2cX6f7rg52f").is_ok());
        assert!(JingId::parse("jk58wUZ5AqhzwX7ADc6oz").is_ok());
        assert!(JingId::parse("").is_err());
        assert!(JingId::parse("a/b").is_err());
    }

    proptest::proptest! {
        #[test]
        fn fifteen_to_eighteen_to_fifteen_round_trips(body in "[a-zA-Z0-9]{15}") {
            let id = SfId::parse(&body).unwrap();
            proptest::prop_assert_eq!(id.id15(), body.as_str());
            let upper = id.as_str().to_ascii_uppercase();
            proptest::prop_assert_eq!(SfId::parse(&upper).unwrap(), id.clone());
            proptest::prop_assert_eq!(SfId::parse(id.as_str()).unwrap(), id);
        }
    }
}
