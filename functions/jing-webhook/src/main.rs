//! Lambda entry point of jing-webhook (`POST /jing/webhook/{app}/{token}`): the edge's router
//! behind API Gateway, with IAM for the webhook intake only. Wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kit::telemetry::init();
    kit::http::run(kit::edge_from_env().await?).await
}
