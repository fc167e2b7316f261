//! The connector on one machine: the embedded store and queue wired to the use cases, the
//! HTTP listener, the writer loop, and the demo.

pub mod client;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod demo;
pub mod profile;
pub mod serve;
pub mod simulated;
pub mod smtp;
pub mod table;
pub mod wiring;
pub mod worker;
