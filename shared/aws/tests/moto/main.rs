//! Every port's contract suite, and the races and edge cases of the AWS adapters, against moto.
//! One test binary (linking the AWS SDK is slow); modules per service.

// The crate is `jingsf-aws`; the workspace imports it as `aws`.
extern crate jingsf_aws as aws;

#[path = "../common/mod.rs"]
mod common;

mod calls;
mod dynamo;
mod mail;
mod queue;
mod races;
mod vault;
