//! Lambda entry point of the writer: wiring only.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    kit::telemetry::init();
    let edge = Arc::new(kit::edge_from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let edge = edge.clone();
        let stop_at = fn_writer::handler::stop_at(kit::deadline(event.context.deadline));
        async move {
            Ok::<_, Error>(fn_writer::handler::handle(&edge, event.payload, Some(stop_at)).await)
        }
    }))
    .await
}
