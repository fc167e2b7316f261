//! The `writer` function: SQS changes queue → `app::write::apply` per app, partial batch
//! failures for what must be retried.

pub mod handler;
