//! The `jing-webhook` function: `POST /jing/webhook/{app}/{token}` → verify, parse, enqueue.

pub mod handler;
