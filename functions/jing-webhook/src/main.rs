//! Lambda entry point of jing-webhook: wiring only.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let kit = Arc::new(kit::Kit::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let kit = kit.clone();
        async move { Ok::<_, Error>(fn_jing_webhook::handler::handle(&kit, event.payload).await) }
    }))
    .await
}
