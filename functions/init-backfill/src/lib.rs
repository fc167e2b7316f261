//! The `init-backfill` function: initialization runs from the init queue.

pub mod handler;
