//! Lambda entry point of error-notifier: wiring only.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use fn_error_notifier::handler::{NotifierFunction, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let config = kit::FnConfig::from_env()?;
    let sdk = aws::sdk_config().await;
    let f = Arc::new(NotifierFunction {
        sqs: aws_sdk_sqs::Client::new(&sdk),
        dead_letter_queue_url: config.aws.queues.dead_letters.clone(),
        edge: kit::build_edge(&sdk, &config, Arc::new(app::ports::SystemClock)).await?,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let f = f.clone();
        async move { handle(&f, event.payload).await.map_err(kit::failure) }
    }))
    .await
}
