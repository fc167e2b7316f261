//! Lambda entry point of oauth-callback (`GET /oauth/callback`): the edge's router behind API
//! Gateway, with IAM for connecting only. Wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kit::telemetry::init();
    kit::http::run(kit::edge_from_env().await?).await
}
