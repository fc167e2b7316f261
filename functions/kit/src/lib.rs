//! Lambda glue shared by the connector's functions (crate `jingsf-fn-kit`, imported as `kit`).
//! The functions are transports of the one edge (`edge`): this crate turns their events into the
//! edge's requests and jobs, and builds the edge from the environment once per container.
//!
//! - [`telemetry::init`]: JSON logs for CloudWatch (`LoggingConfig: LogFormat: JSON`);
//! - [`config::FnConfig`]: typed environment, read once; every missing variable is named;
//! - [`build_edge`]: the AWS adapters' ports, the per-app clients, the admin token;
//! - [`http`]: API Gateway HTTP API (payload v2) ⇄ the edge's router;
//! - [`sqs`]: decoding SQS batches with one span per message, partial batch responses.

pub mod apigw;
pub mod config;
pub mod http;
pub mod sqs;
pub mod telemetry;

pub use config::{FnConfig, InitError};

use app::ports::{Clock, SystemClock};
use edge::{Edge, EdgeOptions};
use jing::JingContract;
use salesforce::SfAppConfig;
use salesforce::port_wiring::BudgetStores;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// Read the environment, load the SDK config, read the secrets, build the edge.
pub async fn edge_from_env() -> Result<Edge, InitError> {
    let config = FnConfig::from_env()?;
    let sdk = aws::sdk_config().await;
    build_edge(&sdk, &config, Arc::new(SystemClock)).await
}

/// The edge of one container: every port on the AWS adapters, the clients of connected apps
/// (cached per container), the admin token when this function serves the admin API.
pub async fn build_edge(
    sdk: &aws_config::SdkConfig,
    config: &FnConfig,
    clock: Arc<dyn Clock>,
) -> Result<Edge, InitError> {
    let ports = aws::Adapters::new(sdk, &config.aws).ports(clock.clone());
    build_edge_on(sdk, config, ports).await
}

/// [`build_edge`] over ports already built (`aws::Adapters::with_counter` counts every call).
pub async fn build_edge_on(
    sdk: &aws_config::SdkConfig,
    config: &FnConfig,
    ports: app::ports::Ports,
) -> Result<Edge, InitError> {
    let clock = ports.clock.clone();
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let client_secret = match &config.sf_client_secret_id {
        Some(id) => config::read_secret(&secrets, id).await?,
        // Least privilege: this function may not read the consumer secret, and never needs
        // it (an OAuth call would be refused by Salesforce as `invalid_client`).
        None => String::new(),
    };
    let admin_token = match &config.admin_token_secret_id {
        Some(id) => admin_token(&config::read_secret(&secrets, id).await?, id)?,
        // No token: every admin call is refused (this function serves no admin route).
        None => String::new(),
    };
    let sources = remotes::ClientSources {
        // Salesforce and JING calls never hang an invocation: a minute is far above a normal call.
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default(),
        sf_app: SfAppConfig::new(
            &config.sf_client_id,
            SecretString::from(client_secret),
            &format!("{}/oauth/callback", config.public_url.trim_end_matches('/')),
        ),
        jing_contract: match &config.jing_base_url {
            Some(base) => JingContract::with_base_url(base),
            None => JingContract::default(),
        },
        vault: ports.vault.clone(),
        settings: ports.settings.clone(),
        budget: BudgetStores {
            quota: ports.quota.clone(),
            cursors: ports.cursors.clone(),
            settings: ports.settings.clone(),
            clock,
        },
        jing_pace: None,
        sf_retry: salesforce::RetryPolicy::default(),
    };
    let options = EdgeOptions {
        public_url: config.public_url.clone(),
        allow_custom_login_host: config.allow_custom_login_host,
        org_probe_every: config.org_probe_every,
        dry_run_budget: edge::DRY_RUN_BUDGET_GATEWAY,
    };
    Ok(Edge::new(
        ports,
        Arc::new(remotes::Remotes::new(sources)),
        SecretString::from(admin_token),
        options,
    ))
}

/// The admin token as read from its secret, refused at cold start when it is too short to be
/// unguessable (the template generates 48 characters).
pub fn admin_token(token: &str, secret_id: &str) -> Result<String, InitError> {
    match edge::admin_token_problem(token) {
        Some(problem) => Err(InitError::Invalid(format!(
            "admin token (secret {secret_id}): {problem}"
        ))),
        None => Ok(token.trim().to_owned()),
    }
}

/// A handler error as Lambda reports it: `errorType` is the error's type name (say
/// `StartError`, not a boxed trait object), `errorMessage` its text. Messages never hold secrets.
pub fn failure<E: std::error::Error>(e: E) -> lambda_runtime::Diagnostic {
    let full = std::any::type_name::<E>();
    let short = full.rsplit("::").next().unwrap_or(full);
    lambda_runtime::Diagnostic {
        error_type: short.to_owned(),
        error_message: e.to_string(),
    }
}

/// An invocation's deadline (epoch milliseconds, from the Lambda context) as an instant.
pub fn deadline(deadline_ms: u64) -> std::time::Instant {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    std::time::Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_admin_token_stops_the_cold_start() {
        let err = super::admin_token("short-token", "stack/admin-token").unwrap_err();
        assert!(
            matches!(&err, super::InitError::Invalid(m) if m.contains("stack/admin-token") && m.contains("at least 32")),
            "{err}"
        );
        let ok = "k".repeat(32);
        assert_eq!(super::admin_token(&ok, "x").unwrap(), ok);
    }

    #[test]
    fn failures_name_the_error_type_and_say_what_happened() {
        let d = super::failure(super::InitError::Missing(vec!["JINGSF_TABLE_STATE".into()]));
        assert_eq!(d.error_type, "InitError");
        assert_eq!(
            d.error_message,
            "missing environment variables: JINGSF_TABLE_STATE"
        );
    }
}
