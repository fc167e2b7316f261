//! Lambda entry point of init-backfill: wiring only.

use fn_init_backfill::continuation::ContinuationQueue;
use fn_init_backfill::handler::{InitEvent, InitFunction, Limits, handle};
use kit::config::{FnConfig, vars};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let (config, extra) = FnConfig::from_env_with(&[vars::INIT_QUEUE_URL])?;
    let sdk = aws::sdk_config().await;
    let continuation = ContinuationQueue {
        client: aws_sdk_sqs::Client::new(&sdk),
        url: extra[0].clone(),
    };
    let kit = kit::Kit::build(&sdk, &config, Arc::new(app::ports::SystemClock)).await?;
    let f = Arc::new(InitFunction {
        kit,
        continuation,
        limits: Limits::default(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<InitEvent>| {
        let f = f.clone();
        async move {
            handle(&f, event.payload, event.context.deadline)
                .await
                .map_err(kit::failure)
        }
    }))
    .await
}
