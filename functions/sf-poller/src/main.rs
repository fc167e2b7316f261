//! Lambda entry point of sf-poller (schedule + outbound messages): wiring only.

use fn_sf_poller::handler::{Poller, PollerEvent, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let f = Arc::new(Poller::new(kit::edge_from_env().await?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<PollerEvent>| {
        let f = f.clone();
        async move { Ok::<_, Error>(handle(&f, event.payload).await) }
    }))
    .await
}
