//! The `error-notifier` function: the hourly error digest of every app through SES.

pub mod handler;
