//! Lambda entry point of error-notifier: wiring only.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let kit = Arc::new(kit::Kit::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let kit = kit.clone();
        async move {
            fn_error_notifier::handler::handle(&kit, event.payload)
                .await
                .map_err(kit::failure)
        }
    }))
    .await
}
