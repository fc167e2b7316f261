//! The connector on one machine: the embedded store and queue wired to the use cases, the
//! HTTP listener, the writer loop, and the demo.

pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod serve;
pub mod setup_cmd;
pub mod simulated;
pub mod smtp;
pub mod wiring;
pub mod worker;
