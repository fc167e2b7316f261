//! Lambda glue shared by the connector's functions (crate `jingsf-fn-kit`, imported as `kit`):
//!
//! - [`telemetry::init`]: JSON logs for CloudWatch (`LoggingConfig: LogFormat: JSON`);
//! - [`config::FnConfig`]: typed environment, read once; every missing variable is named;
//! - [`Kit`]: the AWS adapters, the Salesforce app config and the JING contract, built once per
//!   container, plus [`remotes::Remotes`] (per-app clients from the vault, every Salesforce call
//!   reserved in the quota counter first) and the use cases' dependency bundles ([`deps`]);
//! - [`sqs`]: decoding SQS batches with one span per message, partial batch responses;
//! - [`apigw`]: API Gateway HTTP API (payload v2) request accessors and responses.

pub mod apigw;
pub mod config;
pub mod deps;
pub mod remotes;
pub mod sqs;
pub mod telemetry;

pub use config::{FnConfig, InitError};
pub use remotes::{Remotes, WiringError};

use app::ports::{Clock, SystemClock};
use aws::Adapters;
use jing::JingContract;
use salesforce::SfAppConfig;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// Everything a function needs, built once per container (cold start) and shared by every
/// invocation.
pub struct Kit {
    pub adapters: Arc<Adapters>,
    pub sf_app: SfAppConfig,
    pub jing_contract: JingContract,
    pub http: reqwest::Client,
    pub clock: Arc<dyn Clock>,
}

impl Kit {
    /// Read the environment, load the SDK config, fetch the Salesforce consumer secret.
    pub async fn from_env() -> Result<Self, InitError> {
        let config = FnConfig::from_env()?;
        let sdk = aws::sdk_config().await;
        Self::build(&sdk, &config, Arc::new(SystemClock)).await
    }

    /// Build from an explicit configuration (tests pass their own clock and endpoints).
    pub async fn build(
        sdk: &aws_config::SdkConfig,
        config: &FnConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, InitError> {
        let adapters = Adapters::new(sdk, &config.aws);
        let secrets = aws_sdk_secretsmanager::Client::new(sdk);
        let client_secret = config::read_secret(&secrets, &config.sf_client_secret_id).await?;
        let sf_app = SfAppConfig::new(
            &config.sf_client_id,
            SecretString::from(client_secret),
            &config.sf_redirect_uri,
        );
        let jing_contract = match &config.jing_base_url {
            Some(base) => JingContract::with_base_url(base),
            None => JingContract::default(),
        };
        Ok(Self::with_parts(adapters, sf_app, jing_contract, clock))
    }

    /// Assemble from parts already built.
    pub fn with_parts(
        adapters: Adapters,
        sf_app: SfAppConfig,
        jing_contract: JingContract,
        clock: Arc<dyn Clock>,
    ) -> Self {
        // Salesforce and JING calls never hang an invocation: a minute is far above a normal call.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Self {
            adapters: Arc::new(adapters),
            sf_app,
            jing_contract,
            http,
            clock,
        }
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

#[cfg(test)]
mod tests {
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
