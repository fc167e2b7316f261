//! Record ids: 15 characters, key prefix first, ascending with creation, with the 18-char checksum.

use domain::ids::{SfId, sf_id_suffix};
use std::collections::HashMap;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Debug)]
pub struct IdGen {
    /// Two characters standing for the pod/instance, like the `5g` in `00Q5g…`.
    pod: String,
    next: HashMap<String, u64>,
}

impl IdGen {
    pub fn new(pod: &str) -> Self {
        Self {
            pod: pod.to_owned(),
            next: HashMap::new(),
        }
    }
    /// A fresh canonical 18-char id with the given key prefix.
    pub fn next(&mut self, prefix: &str) -> SfId {
        // Start high enough that ids carry upper- and lower-case letters, so clients that
        // lower-case or truncate ids break visibly.
        let n = self
            .next
            .entry(prefix.to_owned())
            .or_insert(9_000_000_000_000_000);
        *n += 1;
        let body = format!("{prefix}{}{}", self.pod, base62(*n, 10));
        let id = format!("{body}{}", sf_id_suffix(&body));
        SfId::parse(&id).unwrap_or_else(|_| unreachable!("generated ids are well-formed"))
    }
}

/// Fixed-width base62 in ASCII order, so ids sort as they were issued.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).unwrap_or_default()
}
