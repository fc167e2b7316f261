//! The `sf-poller` function: the scheduled safety-net poll of every enabled app, and the push
//! path `POST /sf/outbound/{app}` for Salesforce outbound messages.

pub mod handler;
pub mod outbound;
