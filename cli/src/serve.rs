//! Helpers of the embedded server.

use rand::RngCore;

/// A random URL-safe token (admin token, webhook URL token).
pub fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
