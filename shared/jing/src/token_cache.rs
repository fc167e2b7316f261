//! One JING token per app credentials for the whole process: every client built with
//! [`JingClient::new`](crate::JingClient::new) for the same base URL, app id and app secret
//! shares one token slot, so a process (`jingsf serve`, one Lambda container) asks JING for a
//! token once per expiry — however many times its clients are rebuilt (a reconnect, a settings
//! change, several functions' edges in one process). The slot's lock makes it single-flight:
//! callers that find the token expired wait for the one renewal.
//!
//! Keys are a SHA-256 of the credentials, never the secret itself. A rotated secret gets a new
//! slot; the old one (a few hundred bytes) stays until the process ends.

use crate::token::{Credentials, TokenSet};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where a client keeps its token pair (shared between clients of the same credentials).
pub(crate) type TokenSlot = Arc<tokio::sync::Mutex<Option<TokenSet>>>;

type Slots = Mutex<HashMap<[u8; 32], TokenSlot>>;

fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(Slots::default)
}

fn key(base_url: &str, credentials: &Credentials) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [
        base_url,
        credentials.app_id.as_str(),
        credentials.app_secret.expose_secret(),
    ] {
        // Length-prefixed: no two different triples hash the same input.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

/// The process's slot for these credentials on this JING.
pub(crate) fn shared_slot(base_url: &str, credentials: &Credentials) -> TokenSlot {
    let mut slots = slots().lock().unwrap_or_else(|p| p.into_inner());
    slots.entry(key(base_url, credentials)).or_default().clone()
}

/// A slot of one client alone (tokens handed in by the caller, tests with their own clock).
pub(crate) fn own_slot(saved: Option<TokenSet>) -> TokenSlot {
    Arc::new(tokio::sync::Mutex::new(saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_credentials_share_a_slot_and_others_do_not() {
        let a = Credentials::new("202305171108447827375161344", "secret-one");
        let b = Credentials::new("202305171108447827375161344", "secret-two");
        let base = "http://127.0.0.1:1";
        assert!(Arc::ptr_eq(&shared_slot(base, &a), &shared_slot(base, &a)));
        assert!(!Arc::ptr_eq(&shared_slot(base, &a), &shared_slot(base, &b)));
        let other_jing = "http://127.0.0.1:2";
        assert!(!Arc::ptr_eq(
            &shared_slot(base, &a),
            &shared_slot(other_jing, &a)
        ));
    }
}
