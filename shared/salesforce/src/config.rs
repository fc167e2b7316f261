//! Typed configuration: which Salesforce login host, the connected-app credentials, and the
//! client's retry and header policy.

use std::time::Duration;

use secrecy::SecretString;

/// Which Salesforce login host the app authorizes against. Each app binds exactly one org, so
/// switching environment means re-authorizing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfEnvironment {
    /// `https://login.salesforce.com`
    Production,
    /// `https://test.salesforce.com`
    Sandbox,
    /// A My Domain host such as `acme.my.salesforce.com` (scheme optional).
    MyDomain(String),
    /// An explicit base URL, e.g. the local simulator `http://127.0.0.1:PORT`.
    Custom(String),
}

impl SfEnvironment {
    /// The login host base URL, without a trailing slash.
    pub fn login_base(&self) -> String {
        match self {
            SfEnvironment::Production => "https://login.salesforce.com".to_owned(),
            SfEnvironment::Sandbox => "https://test.salesforce.com".to_owned(),
            SfEnvironment::MyDomain(host) => {
                let host = host.trim().trim_end_matches('/');
                if host.starts_with("https://") || host.starts_with("http://") {
                    host.to_owned()
                } else {
                    format!("https://{host}")
                }
            }
            SfEnvironment::Custom(base) => base.trim().trim_end_matches('/').to_owned(),
        }
    }
}

/// The connected app (or External Client App) credentials.
#[derive(Debug, Clone)]
pub struct SfAppConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: String,
    /// Path segment such as `v62.0`.
    pub api_version: String,
}

impl SfAppConfig {
    pub const DEFAULT_API_VERSION: &'static str = "v62.0";

    pub fn new(client_id: &str, client_secret: SecretString, redirect_uri: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret,
            redirect_uri: redirect_uri.to_owned(),
            api_version: Self::DEFAULT_API_VERSION.to_owned(),
        }
    }
}

/// Retry policy for transient failures (5xx, `UNABLE_TO_LOCK_ROW`, timeouts).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each time, with full jitter.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
    /// Per-request timeout (a timeout counts as a transient failure).
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            request_timeout: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based): full jitter over an exponential cap,
    /// so parallel writers hitting the same locked row do not retry in lock-step.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let cap = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::random_range(nanos / 2..=nanos))
    }
}

/// How the REST client behaves beyond retries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    /// Send `Sforce-Auto-Assign: FALSE` on Lead and Account writes, so active assignment rules
    /// do not silently change `OwnerId` (reference §0.16).
    pub disable_auto_assign: bool,
    /// `Sforce-Call-Options: client=<id>` so our own writes can be recognised in CDC echoes.
    pub call_client_id: Option<String>,
    /// Default `Sforce-Query-Options: batchSize` (200..=2000).
    pub query_batch_size: Option<u32>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            disable_auto_assign: true,
            call_client_id: None,
            query_batch_size: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_hosts() {
        assert_eq!(
            SfEnvironment::Production.login_base(),
            "https://login.salesforce.com"
        );
        assert_eq!(
            SfEnvironment::Sandbox.login_base(),
            "https://test.salesforce.com"
        );
        assert_eq!(
            SfEnvironment::MyDomain("acme.my.salesforce.com/".into()).login_base(),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(
            SfEnvironment::Custom("http://127.0.0.1:4000/".into()).login_base(),
            "http://127.0.0.1:4000"
        );
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let d1 = p.delay(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.delay(3);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            assert!(p.delay(40) <= Duration::from_millis(1000));
        }
        let zero = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.delay(2), Duration::ZERO);
    }
}
