//! Typed configuration of the AWS adapters, read once from the environment, and the SDK config
//! built with the ring TLS client (see shared/reference/toolchain.md: without an explicit
//! `http_client` every call fails at runtime, not at compile time).

use std::env;
use std::time::Duration;

/// Environment variable names, in one place so the SAM template and docs can mirror them.
pub mod vars {
    pub const TABLE_BINDINGS: &str = "JINGSF_TABLE_BINDINGS";
    pub const TABLE_STATE: &str = "JINGSF_TABLE_STATE";
    pub const TABLE_ACTIVITY: &str = "JINGSF_TABLE_ACTIVITY";
    pub const TABLE_APPS: &str = "JINGSF_TABLE_APPS";
    pub const CHANGES_QUEUE_URL: &str = "JINGSF_CHANGES_QUEUE_URL";
    pub const CHANGES_DLQ_URL: &str = "JINGSF_CHANGES_DLQ_URL";
    pub const SECRET_PREFIX: &str = "JINGSF_SECRET_PREFIX";
    pub const SES_SENDER: &str = "JINGSF_SES_SENDER";
    /// Optional: seconds a secret stays in the per-container cache (default 300).
    pub const SECRET_CACHE_SECS: &str = "JINGSF_SECRET_CACHE_SECS";
    /// Optional: the init-backfill continuation queue (functions that start or continue an
    /// initialization run need it).
    pub const INIT_QUEUE_URL: &str = "JINGSF_INIT_QUEUE_URL";
}

/// Configuration is missing or malformed: fix the deployment (names say which variables).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variables: {}", .0.join(", "))]
    Missing(Vec<String>),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: String, reason: String },
}

/// The DynamoDB tables (see docs/storage.md for the key design).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// Bindings: one item by Salesforce id, one by JING id, one counter per object.
    pub bindings: String,
    /// Small mutable state: cursors, quota counters, parked changes, idempotency claims.
    pub state: String,
    /// Append-mostly records listed by time: errors, sync log, conflicts, journal.
    pub activity: String,
    /// App settings, one item per app (the only table listed across apps).
    pub apps: String,
}

impl Tables {
    /// Names derived from one prefix (stacks, local development, tests).
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            bindings: format!("{prefix}-bindings"),
            state: format!("{prefix}-state"),
            activity: format!("{prefix}-activity"),
            apps: format!("{prefix}-apps"),
        }
    }
}

/// The changes queue and its dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrls {
    pub changes: String,
    pub dead_letters: String,
}

/// Everything the adapters need besides the SDK config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsConfig {
    pub tables: Tables,
    pub queues: QueueUrls,
    /// Secrets are named `{secret_prefix}/{app}/{kind}`.
    pub secret_prefix: String,
    /// Verified SES identity the digest is sent from.
    pub ses_sender: String,
    pub secret_cache_ttl: Duration,
    /// The init-backfill queue, where initialization runs are requested.
    pub init_queue: Option<String>,
}

impl AwsConfig {
    /// Read every variable; all missing ones are reported together.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Same as [`from_env`](Self::from_env) over any lookup (tests, CLI config files).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut missing = Vec::new();
        let mut required = |name: &str| {
            let value = lookup(name).filter(|v| !v.trim().is_empty());
            if value.is_none() {
                missing.push(name.to_owned());
            }
            value.unwrap_or_default()
        };
        let tables = Tables {
            bindings: required(vars::TABLE_BINDINGS),
            state: required(vars::TABLE_STATE),
            activity: required(vars::TABLE_ACTIVITY),
            apps: required(vars::TABLE_APPS),
        };
        let queues = QueueUrls {
            changes: required(vars::CHANGES_QUEUE_URL),
            dead_letters: required(vars::CHANGES_DLQ_URL),
        };
        let secret_prefix = required(vars::SECRET_PREFIX);
        let ses_sender = required(vars::SES_SENDER);
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let secret_cache_ttl =
            parse_secs(vars::SECRET_CACHE_SECS, lookup(vars::SECRET_CACHE_SECS))?;
        Ok(Self {
            tables,
            queues,
            secret_prefix,
            ses_sender,
            secret_cache_ttl,
            init_queue: lookup(vars::INIT_QUEUE_URL).filter(|v| !v.trim().is_empty()),
        })
    }
}

fn parse_secs(name: &str, raw: Option<String>) -> Result<Duration, ConfigError> {
    match raw {
        None => Ok(Duration::from_secs(300)),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|e| ConfigError::Invalid {
                name: name.to_owned(),
                reason: format!("{raw:?}: {e}"),
            }),
    }
}

/// The SDK config from the default chain (region, credentials and `AWS_ENDPOINT_URL` from the
/// environment), with the ring-based rustls HTTP client.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn full() -> HashMap<&'static str, String> {
        [
            (vars::TABLE_BINDINGS, "t-bindings"),
            (vars::TABLE_STATE, "t-state"),
            (vars::TABLE_ACTIVITY, "t-activity"),
            (vars::TABLE_APPS, "t-apps"),
            (vars::CHANGES_QUEUE_URL, "http://q/changes"),
            (vars::CHANGES_DLQ_URL, "http://q/dlq"),
            (vars::SECRET_PREFIX, "jingsf"),
            (vars::SES_SENDER, "noreply@example.com"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
    }

    #[test]
    fn a_complete_environment_parses() {
        let env = full();
        let cfg = AwsConfig::from_lookup(|n| env.get(n).cloned()).unwrap();
        assert_eq!(cfg.tables.state, "t-state");
        assert_eq!(cfg.queues.dead_letters, "http://q/dlq");
        assert_eq!(cfg.secret_cache_ttl, Duration::from_secs(300));
    }

    #[test]
    fn every_missing_variable_is_named() {
        let mut env = full();
        env.remove(vars::TABLE_STATE);
        env.insert(vars::SES_SENDER, "  ".to_owned());
        let err = AwsConfig::from_lookup(|n| env.get(n).cloned()).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing(vec![
                vars::TABLE_STATE.to_owned(),
                vars::SES_SENDER.to_owned()
            ])
        );
        assert!(err.to_string().contains("JINGSF_TABLE_STATE"));
    }

    #[test]
    fn a_bad_cache_ttl_is_refused_with_its_name() {
        let mut env = full();
        env.insert(vars::SECRET_CACHE_SECS, "soon".to_owned());
        let err = AwsConfig::from_lookup(|n| env.get(n).cloned()).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { ref name, .. } if name == vars::SECRET_CACHE_SECS)
        );
    }
}
