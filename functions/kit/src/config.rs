//! Typed configuration of a function, read once at cold start. Missing variables fail the init
//! with all their names at once (a deployment fix, never a retry).

use aws::AwsConfig;
use std::env;

/// Environment variable names besides the adapters' (`aws::config::vars`).
pub mod vars {
    pub const SF_CLIENT_ID: &str = "JINGSF_SF_CLIENT_ID";
    /// Optional: Secrets Manager id (name or ARN) of the connected app's consumer secret. Only
    /// the functions that call Salesforce's OAuth endpoints (token exchange, refresh) get it;
    /// without it a function has no consumer secret at all.
    pub const SF_CLIENT_SECRET_ID: &str = "JINGSF_SF_CLIENT_SECRET_ID";
    /// The HTTP API's base URL: the OAuth callback is `{public}/oauth/callback`, and the
    /// push URLs shown in the setup section start with it.
    pub const PUBLIC_URL: &str = "JINGSF_PUBLIC_URL";
    /// Optional: JING open API base URL (default: the contract's).
    pub const JING_BASE_URL: &str = "JINGSF_JING_BASE_URL";
    /// Optional: Secrets Manager id of the admin token (functions serving the admin API).
    pub const ADMIN_TOKEN_SECRET_ID: &str = "JINGSF_ADMIN_TOKEN_SECRET_ID";
    /// Optional, `true` to let apps use a custom Salesforce login host (tests only).
    pub const ALLOW_CUSTOM_LOGIN_HOST: &str = "JINGSF_ALLOW_CUSTOM_LOGIN_HOST";
    /// Optional: seconds between reads of the org's usage while changes are parked (300).
    pub const ORG_PROBE_SECONDS: &str = "JINGSF_ORG_PROBE_SECONDS";
}

/// The function cannot start: fix the deployment.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("missing environment variables: {}", .0.join(", "))]
    Missing(Vec<String>),
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("secret {id} could not be read: {reason}")]
    Secret { id: String, reason: String },
}

impl From<aws::ConfigError> for InitError {
    fn from(e: aws::ConfigError) -> Self {
        match e {
            aws::ConfigError::Missing(names) => Self::Missing(names),
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// What every function reads.
#[derive(Debug, Clone)]
pub struct FnConfig {
    pub aws: AwsConfig,
    pub sf_client_id: String,
    /// `None`: this function never talks to Salesforce's OAuth endpoints.
    pub sf_client_secret_id: Option<String>,
    pub public_url: String,
    pub jing_base_url: Option<String>,
    pub admin_token_secret_id: Option<String>,
    pub allow_custom_login_host: bool,
    pub org_probe_every: std::time::Duration,
}

impl FnConfig {
    pub fn from_env() -> Result<Self, InitError> {
        Self::from_lookup(|n| env::var(n).ok())
    }

    /// Like [`from_env`](Self::from_env) plus function-specific variables (returned in order);
    /// every missing name of both is reported in one error.
    pub fn from_env_with(extra: &[&str]) -> Result<(Self, Vec<String>), InitError> {
        let lookup = |n: &str| env::var(n).ok();
        match (Self::from_lookup(lookup), required(lookup, extra)) {
            (Ok(config), Ok(values)) => Ok((config, values)),
            (config, values) => Err(merge_missing(config.err(), values.err())),
        }
    }

    /// Every missing name (adapters' and ours) is reported in one error.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, InitError> {
        let aws = AwsConfig::from_lookup(&lookup);
        let ours = required(&lookup, &[vars::SF_CLIENT_ID, vars::PUBLIC_URL]);
        let (aws, mut values) = match (aws, ours) {
            (Ok(aws), Ok(values)) => (aws, values.into_iter()),
            (aws, ours) => return Err(merge_missing(aws.err().map(Into::into), ours.err())),
        };
        Ok(Self {
            aws,
            sf_client_id: values.next().unwrap_or_default(),
            sf_client_secret_id: lookup(vars::SF_CLIENT_SECRET_ID).filter(|v| !v.trim().is_empty()),
            public_url: values.next().unwrap_or_default(),
            jing_base_url: lookup(vars::JING_BASE_URL).filter(|v| !v.trim().is_empty()),
            admin_token_secret_id: lookup(vars::ADMIN_TOKEN_SECRET_ID)
                .filter(|v| !v.trim().is_empty()),
            allow_custom_login_host: lookup(vars::ALLOW_CUSTOM_LOGIN_HOST)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            org_probe_every: match lookup(vars::ORG_PROBE_SECONDS) {
                Some(raw) => std::time::Duration::from_secs(raw.trim().parse().map_err(|e| {
                    InitError::Invalid(format!("{}={raw:?}: {e}", vars::ORG_PROBE_SECONDS))
                })?),
                None => edge::ORG_PROBE_EVERY,
            },
        })
    }
}

fn merge_missing(a: Option<InitError>, b: Option<InitError>) -> InitError {
    let mut names = Vec::new();
    for e in [a, b].into_iter().flatten() {
        match e {
            InitError::Missing(n) => names.extend(n),
            other => return other,
        }
    }
    InitError::Missing(names)
}

/// Values of `names` in order, or every missing (or blank) name.
pub fn required(
    lookup: impl Fn(&str) -> Option<String>,
    names: &[&str],
) -> Result<Vec<String>, InitError> {
    let values: Vec<Option<String>> = names
        .iter()
        .map(|n| lookup(n).filter(|v| !v.trim().is_empty()))
        .collect();
    let missing: Vec<String> = names
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| (*n).to_owned())
        .collect();
    if missing.is_empty() {
        Ok(values.into_iter().flatten().collect())
    } else {
        Err(InitError::Missing(missing))
    }
}

/// A function-specific variable from the process environment.
pub fn required_env(name: &str) -> Result<String, InitError> {
    required(|n| env::var(n).ok(), &[name]).map(|mut v| v.remove(0))
}

/// One secret string (the consumer secret, the admin token), read at cold start.
pub async fn read_secret(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> Result<String, InitError> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| InitError::Secret {
            id: id.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
        })?;
    out.secret_string.ok_or_else(|| InitError::Secret {
        id: id.to_owned(),
        reason: "no string value".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_name_is_reported_together() {
        let err = FnConfig::from_lookup(|n| {
            (n == vars::SF_CLIENT_ID || n == "JINGSF_TABLE_STATE").then(|| "x".to_owned())
        })
        .unwrap_err();
        let InitError::Missing(names) = err else {
            panic!("expected Missing, got {err:?}");
        };
        assert!(names.contains(&"JINGSF_TABLE_BINDINGS".to_owned()));
        // Optional: only the functions that call Salesforce OAuth get it.
        assert!(!names.contains(&vars::SF_CLIENT_SECRET_ID.to_owned()));
        assert!(names.contains(&vars::PUBLIC_URL.to_owned()));
        assert!(!names.contains(&vars::SF_CLIENT_ID.to_owned()));
        assert!(!names.contains(&"JINGSF_TABLE_STATE".to_owned()));
    }

    #[test]
    fn required_keeps_order_and_rejects_blanks() {
        let got = required(|n| Some(format!("v-{n}")), &["A", "B"]).unwrap();
        assert_eq!(got, vec!["v-A", "v-B"]);
        let err = required(|_| Some("  ".to_owned()), &["A"]).unwrap_err();
        assert!(matches!(err, InitError::Missing(ref n) if n == &["A".to_owned()]));
    }
}
