//! Lambda entry point of admin-api (the admin API and the status page): the edge's router
//! behind API Gateway. Wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kit::telemetry::init();
    kit::http::run(kit::edge_from_env().await?).await
}
