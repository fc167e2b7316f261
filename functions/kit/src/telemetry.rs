//! Structured JSON logs (CloudWatch with `LogFormat: JSON`). The level comes from
//! `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's logging config) or `RUST_LOG`, default `info`.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_lowercase();
    // A second init (tests running several handlers) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // Lambda stamps every line itself.
        .without_time()
        .try_init();
}
