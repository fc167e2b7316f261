//! Use cases of the connector over small port traits.
//!
//! Every use case takes its ports as arguments (trait objects) and `now` from a [`ports::Clock`];
//! handlers (Lambda functions, the `jingsf` CLI) only translate events into calls here.

pub mod capture;
pub mod connect;
pub mod contract;
pub mod digest;
pub mod dry_run;
pub mod fake_remote;
pub mod fakes;
pub mod held;
pub mod init;
pub mod links;
pub mod members;
pub mod ports;
pub mod quota_reset;
pub mod settings;
pub mod spending;
pub mod status;
pub mod write;
