//! Decoding `validFor`: which controlling values a dependent picklist value is valid for.
//!
//! The describe gives a base64 bit set over the controlling field's value indexes, most significant
//! bit first: valid for controller index `i` iff `bytes[i >> 3] & (0x80 >> (i & 7)) != 0`.
//! `"gAAA"` is bytes `80 00 00`: valid for index 0 only.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A `validFor` string from the describe is not base64; the describe is corrupt or not Salesforce's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("validFor {raw:?} is not base64; re-fetch the describe")]
pub struct ValidForError {
    pub raw: String,
}

/// A decoded `validFor` bit set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFor(Vec<u8>);

impl ValidFor {
    pub fn decode(raw: &str) -> Result<Self, ValidForError> {
        STANDARD
            .decode(raw.trim())
            .map(Self)
            .map_err(|_| ValidForError {
                raw: raw.to_owned(),
            })
    }

    /// Whether the value is valid when the controller has the value at `index`. Indexes beyond
    /// the mask are not valid.
    pub fn allows(&self, index: usize) -> bool {
        self.0
            .get(index >> 3)
            .is_some_and(|byte| byte & (0x80 >> (index & 7)) != 0)
    }

    /// Every controller index the value is valid for, ascending.
    pub fn indexes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.0.len() * 8).filter(|&i| self.allows(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexes(raw: &str) -> Vec<usize> {
        ValidFor::decode(raw).unwrap().indexes().collect()
    }

    #[test]
    fn g_a_a_a_is_index_zero_only() {
        let v = ValidFor::decode("gAAA").unwrap();
        assert!(v.allows(0));
        assert!(!v.allows(1));
        assert!(!v.allows(23));
        assert!(!v.allows(24), "beyond the mask");
        assert_eq!(indexes("gAAA"), vec![0]);
    }

    #[test]
    fn bits_are_msb_first_across_bytes() {
        // 0x40 0x01 0x80 → index 1, index 15, index 16.
        assert_eq!(indexes("QAGA"), vec![1, 15, 16]);
        // 0xff 0x00 → indexes 0..8.
        assert_eq!(indexes("/wA="), (0..8).collect::<Vec<_>>());
        // 0x00 0x00 0x00 0x01 → index 31 only.
        assert_eq!(indexes("AAAAAQ=="), vec![31]);
        assert_eq!(indexes("AAAA"), Vec::<usize>::new());
    }

    #[test]
    fn checkbox_controllers_use_index_zero_for_false_and_one_for_true() {
        // 0x40: valid only when the checkbox is checked; 0x80: only when unchecked.
        assert!(ValidFor::decode("QA==").unwrap().allows(1));
        assert!(!ValidFor::decode("QA==").unwrap().allows(0));
        assert!(ValidFor::decode("gA==").unwrap().allows(0));
        assert!(!ValidFor::decode("gA==").unwrap().allows(1));
    }

    #[test]
    fn non_base64_is_a_typed_error() {
        assert_eq!(
            ValidFor::decode("not base64!"),
            Err(ValidForError {
                raw: "not base64!".into()
            })
        );
    }
}
