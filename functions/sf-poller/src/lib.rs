//! The `sf-poller` function: the scheduled run over every app, and Salesforce outbound messages.

pub mod handler;
