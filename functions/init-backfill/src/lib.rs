//! The `init-backfill` function: start (or skip) initialization, then run it in chunks that
//! hand over to the next invocation through the continuation queue, so no invocation nears
//! Lambda's 15-minute limit.

pub mod continuation;
pub mod handler;
