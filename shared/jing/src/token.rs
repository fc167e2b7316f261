//! Access/refresh token state: when to reuse, refresh or re-get, and a hook to persist new tokens.
//! Secrets stay in `SecretString`; `Debug` of every type here redacts them.

use crate::envelope::TokenData;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The app's credentials (KNOWN: 27-digit `app_id`, 32-hex `app_secret`).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub app_id: String,
    pub app_secret: SecretString,
}

impl Credentials {
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: SecretString::from(app_secret.into()),
        }
    }
}

/// A token pair and when each part stops working.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    pub access_expires_at: OffsetDateTime,
    pub refresh_expires_at: OffsetDateTime,
}

impl TokenSet {
    /// Build from JING's answer: `expires_in` counts from `now`; a refresh token lives
    /// `refresh_ttl` (30 days) from when it was issued.
    pub fn from_answer(data: TokenData, now: OffsetDateTime, refresh_ttl: Duration) -> Self {
        Self {
            access_token: SecretString::from(data.access_token),
            refresh_token: SecretString::from(data.refresh_token),
            access_expires_at: now + Duration::from_secs(data.expires_in),
            refresh_expires_at: now + refresh_ttl,
        }
    }

    /// Usable for a call starting now, with `skew` to spare (clock drift, slow calls).
    pub fn access_usable(&self, now: OffsetDateTime, skew: Duration) -> bool {
        now + skew < self.access_expires_at
    }

    pub fn refresh_usable(&self, now: OffsetDateTime) -> bool {
        now + Duration::from_secs(5) < self.refresh_expires_at
    }

    pub(crate) fn same_access(&self, other: &SecretString) -> bool {
        self.access_token.expose_secret() == other.expose_secret()
    }
}

/// Called with every newly issued token pair, before it is used, so the caller can persist it
/// (a rotated refresh token must be saved before the old one is forgotten).
#[async_trait]
pub trait TokenSink: Send + Sync {
    async fn tokens_issued(&self, tokens: &TokenSet);
}

/// A sink that keeps nothing (tokens live only in the client).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTokenSink;

#[async_trait]
impl TokenSink for NoTokenSink {
    async fn tokens_issued(&self, _tokens: &TokenSet) {}
}

/// The time source; tests pass a clock they can move.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn answer(expires_in: u64) -> TokenData {
        TokenData {
            access_token: "535eda1d-a06e-42f9-958f-d244ae72b646".into(),
            refresh_token: "fc5e86a1-81da-4715-a18f-8724ff1fd413".into(),
            scope: "all".into(),
            token_type: "bearer".into(),
            expires_in,
        }
    }

    #[test]
    fn expires_in_is_honoured_with_skew() {
        let now = datetime!(2024-08-02 07:17:15 UTC);
        let t = TokenSet::from_answer(answer(4511), now, Duration::from_secs(30 * 86400));
        let skew = Duration::from_secs(60);
        assert!(t.access_usable(now, skew));
        assert!(t.access_usable(now + Duration::from_secs(4450), skew));
        assert!(!t.access_usable(now + Duration::from_secs(4451), skew));
        assert!(t.refresh_usable(now + Duration::from_secs(29 * 86400)));
        assert!(!t.refresh_usable(now + Duration::from_secs(30 * 86400)));
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let now = datetime!(2024-08-02 07:17:15 UTC);
        let t = TokenSet::from_answer(answer(10), now, Duration::from_secs(60));
        let shown = format!(
            "{t:?} {:?}",
            Credentials::new("202305171108447827375161344", "c32501b3")
        );
        assert!(!shown.contains("535eda1d"), "{shown}");
        assert!(!shown.contains("fc5e86a1"), "{shown}");
        assert!(!shown.contains("c32501b3"), "{shown}");
    }
}
