//! The `quota-reset` function: the daily reset (16:00 UTC = midnight China time).

pub mod handler;
