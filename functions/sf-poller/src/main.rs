//! Lambda entry point of sf-poller (schedule + outbound messages): wiring only.

use fn_sf_poller::handler::{PollerEvent, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let kit = Arc::new(kit::Kit::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<PollerEvent>| {
        let kit = kit.clone();
        async move { Ok::<_, Error>(handle(&kit, event.payload).await) }
    }))
    .await
}
