//! Lambda entry point of quota-reset: wiring only.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let edge = Arc::new(kit::edge_from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let edge = edge.clone();
        async move {
            fn_quota_reset::handler::handle(&edge, event.payload)
                .await
                .map_err(kit::failure)
        }
    }))
    .await
}
