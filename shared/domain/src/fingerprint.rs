//! Stable fingerprints of the mapped values a write carries, for echo suppression.
//!
//! FNV-1a (64-bit) over a canonical encoding: field names sorted, blanks collapsed, numbers in
//! their shortest text form. Stable across processes and versions (unlike `std`'s hasher), and
//! cheap enough for the hot path (~tens of ns per field). Not a security boundary.

use crate::value::{Value, format_number, is_blank};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn byte(h: u64, b: u8) -> u64 {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    }
    /// Byte by byte as FNV-1a is defined, eight bytes loaded at a time (the hot path).
    fn bytes(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            for b in word {
                h = Self::byte(h, *b);
            }
        }
        for b in words.remainder() {
            h = Self::byte(h, *b);
        }
        self.0 = h;
    }
    fn tagged(&mut self, tag: u8, bytes: &[u8]) {
        let mut h = Self::byte(self.0, tag);
        for b in (bytes.len() as u32).to_le_bytes() {
            h = Self::byte(h, b);
        }
        self.0 = h;
        self.bytes(bytes);
    }
}

fn write_value(h: &mut Fnv, v: &Value) {
    match v {
        Value::Empty => h.tagged(0, b""),
        Value::Text(s) if is_blank(s) => h.tagged(0, b""),
        Value::Text(s) => h.tagged(1, s.as_bytes()),
        Value::Number(n) => h.tagged(2, format_number(*n).as_bytes()),
        Value::Bool(b) => h.tagged(3, &[u8::from(*b)]),
        Value::Date(d) => h.tagged(4, crate::datetime::format_date(*d).as_bytes()),
        Value::DateTime(dt) => h.tagged(5, &crate::datetime::epoch_millis(*dt).to_le_bytes()),
        Value::Multi(items) if items.is_empty() => h.tagged(0, b""),
        Value::Multi(items) => {
            let mut sorted: Vec<&String> = items.iter().collect();
            sorted.sort();
            h.tagged(6, &(sorted.len() as u32).to_le_bytes());
            for s in sorted {
                h.tagged(1, s.as_bytes());
            }
        }
    }
}

/// Fingerprint of (field, value) pairs; the order of the pairs does not matter.
pub fn fingerprint<'a, I>(fields: I) -> Fingerprint
where
    I: IntoIterator<Item = (&'a str, &'a Value)>,
    I::IntoIter: Clone,
{
    let fields = fields.into_iter();
    // Pairs usually come from a map, sorted already: hash them as they come, without a
    // buffer. Pairs out of order are hashed again from the start, sorted.
    let mut h = Fnv::new();
    let mut previous: Option<&str> = None;
    for (name, value) in fields.clone() {
        if previous.is_some_and(|p| p > name) {
            return hash_sorted(fields.collect());
        }
        previous = Some(name);
        hash_pair(&mut h, name, value);
    }
    Fingerprint(h.0)
}

fn hash_sorted(mut pairs: Vec<(&str, &Value)>) -> Fingerprint {
    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut h = Fnv::new();
    for (name, value) in pairs {
        hash_pair(&mut h, name, value);
    }
    Fingerprint(h.0)
}

fn hash_pair(h: &mut Fnv, name: &str, value: &Value) {
    h.tagged(7, name.as_bytes());
    write_value(h, value);
}

/// Fingerprint of a single value (for per-field "last written" checks).
pub fn value_fingerprint(v: &Value) -> Fingerprint {
    let mut h = Fnv::new();
    write_value(&mut h, v);
    Fingerprint(h.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_blank_spelling_do_not_matter() {
        let a = Value::text("x");
        let e1 = Value::Empty;
        let e2 = Value::Text(" ".into());
        let f1 = fingerprint([("a", &a), ("b", &e1)]);
        let f2 = fingerprint([("b", &e2), ("a", &a)]);
        assert_eq!(f1, f2);
    }

    #[test]
    fn pairs_out_of_order_hash_as_sorted() {
        let (x, y, z) = (Value::text("x"), Value::text("y"), Value::text("z"));
        let sorted = fingerprint([("a", &x), ("b", &y), ("c", &z)]);
        assert_eq!(fingerprint([("a", &x), ("c", &z), ("b", &y)]), sorted);
        assert_eq!(fingerprint([("c", &z), ("b", &y), ("a", &x)]), sorted);
        assert_ne!(fingerprint([("a", &x), ("c", &y), ("b", &z)]), sorted);
    }

    #[test]
    fn different_values_or_names_differ() {
        let x = Value::text("x");
        let y = Value::text("y");
        assert_ne!(fingerprint([("a", &x)]), fingerprint([("a", &y)]));
        assert_ne!(fingerprint([("a", &x)]), fingerprint([("b", &x)]));
        // "ab"+"c" must not collide with "a"+"bc" (length-prefixed encoding)
        let ab = Value::text("ab");
        let c = Value::text("c");
        let a1 = Value::text("a");
        let bc = Value::text("bc");
        assert_ne!(
            fingerprint([("k", &ab), ("l", &c)]),
            fingerprint([("k", &a1), ("l", &bc)])
        );
    }

    #[test]
    fn fingerprint_is_stable_across_builds() {
        // Pinned: a change here would make every stored fingerprint mismatch after an upgrade.
        let v = Value::text("张三");
        assert_eq!(fingerprint([("name", &v)]).to_string(), "5d7170bac0ac03a8");
    }
}
