//! Lambda entry point of init-backfill: wiring only.

use aws_lambda_events::event::sqs::SqsEvent;
use fn_init_backfill::handler::{InitFunction, Limits, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let f = Arc::new(InitFunction {
        edge: kit::edge_from_env().await?,
        limits: Limits::default(),
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let f = f.clone();
        async move { Ok::<_, Error>(handle(&f, event.payload, event.context.deadline).await) }
    }))
    .await
}
