//! End-to-end tests of the Lambda functions on moto and both simulators. Run with moto up:
//! `infra/moto.sh start && eval "$(infra/moto.sh env)"`.

mod admin;
mod breaker;
mod dry_run;
mod fixtures;
mod going_live;
mod http;
mod init;
mod quota;
mod requests;
mod security;
mod sync;
mod tokens;
mod writer;
