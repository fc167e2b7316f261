//! Harness of the functions' end-to-end tests: events built from the JSON fixtures (shaped as
//! AWS sends them), a tiny API Gateway on 127.0.0.1 that turns HTTP requests into HTTP API v2
//! events for the handlers, an SQS event-source emulation over moto, and a connected app
//! against both simulators.

pub mod clock;
pub mod events;
pub mod gateway;
pub mod stack;
pub mod world;
