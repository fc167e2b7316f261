//! Lambda entry point of admin-api: wiring only.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use kit::config::{FnConfig, read_secret, vars};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let (config, extra) = FnConfig::from_env_with(&[vars::ADMIN_TOKEN_SECRET_ID])?;
    let sdk = aws::sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let admin_token = read_secret(&secrets, &extra[0]).await?.into();
    let kit = kit::Kit::build(&sdk, &config, Arc::new(app::ports::SystemClock)).await?;
    let base = Arc::new(fn_admin_api::state::admin_state(&kit, admin_token));
    let kit = Arc::new(kit);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
            let (kit, base) = (kit.clone(), base.clone());
            async move {
                let path = event.payload.raw_path.clone().unwrap_or_default();
                let state = fn_admin_api::state::for_path(&kit, &base, &path).await;
                Ok::<_, Error>(
                    fn_admin_api::handler::handle(&admin::router(state), event.payload).await,
                )
            }
        },
    ))
    .await
}
