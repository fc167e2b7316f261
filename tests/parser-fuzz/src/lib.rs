//! Property tests on arbitrary input for every parser the connector exposes to the outside.
//!
//! Each module holds the generators and properties of one parser: structured inputs (valid
//! documents built from a model, then mutated: truncated, cut, spliced, duplicated; hostile
//! structures such as DOCTYPEs, entities, deep nesting, inputs at the size caps) and, where the
//! input is valid, the property that it parses to what it says. Every property is a plain
//! function of a proptest [`Config`], so `tests/parsers.rs` runs them at CI size (256 cases, or
//! `PROPTEST_CASES`) and `examples/fuzz_parsers.rs` runs the same ones a million times.
//!
//! - [`outbound`]: Salesforce SOAP outbound messages (`salesforce::outbound::parse_outbound`).
//! - [`webhook`]: JING webhook verification and parsing (`jing::verify_and_parse`).
//! - [`conditions`]: scope conditions from JSON, their checks, evaluation and SOQL rendering.
//! - [`config`](mod@config): `jingsf.toml` (`jingsf::config::Config::parse`).
//! - [`soql`]: our SOQL literals read back by the Salesforce simulator's SOQL parser.

pub mod conditions;
pub mod config;
pub mod mutate;
pub mod outbound;
pub mod soql;
pub mod webhook;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

/// One property of one parser.
#[derive(Clone, Copy)]
pub struct Property {
    pub parser: &'static str,
    pub name: &'static str,
    /// The property runs `cases / divisor` cases: inputs near the 1 MB caps cost a thousand
    /// ordinary ones, so they get a smaller share of the budget.
    pub divisor: u32,
    pub run: fn(Config) -> Result<(), String>,
}

/// Every property, grouped by parser in the order of the module list.
pub fn properties() -> Vec<Property> {
    [
        outbound::properties(),
        webhook::properties(),
        conditions::properties(),
        config::properties(),
        soql::properties(),
    ]
    .concat()
}

/// A runner configuration of `cases` cases. No regression files: a failure prints its minimal
/// input, which becomes a named regression test next to the fixed parser.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        // The few filters reject a steady share of values: allow that share at any size.
        max_local_rejects: cases.max(65_536),
        max_global_rejects: (cases / 20).max(1_024),
        ..Config::default()
    }
}

/// Run `test` on `cases` values of `strategy`; the error is the shrunk failing input.
pub fn check<S: Strategy>(
    config: Config,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
) -> Result<(), String> {
    TestRunner::new(config)
        .run(&strategy, test)
        .map_err(|e| e.to_string())
}

/// A nesting depth: mostly shallow, sometimes thousands, now and then `max` (the deep cases cost
/// the most, so they are rare at CI size and plentiful in million-case runs).
pub fn depth(max: usize) -> impl proptest::strategy::Strategy<Value = usize> {
    use proptest::prelude::*;
    prop_oneof![12 => 1usize..64, 3 => 64usize..4_000, 1 => Just(max)]
}

/// A string strategy for a regular expression, compiled once (a `&str` strategy compiles its
/// regex again for every value, which dominates generation time).
pub fn re(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("a valid regex")
}

/// `Property` literal with a divisor of 1.
macro_rules! property {
    ($parser:literal, $f:ident) => {
        property!($parser, $f, 1)
    };
    ($parser:literal, $f:ident, $divisor:expr) => {
        $crate::Property {
            parser: $parser,
            name: stringify!($f),
            divisor: $divisor,
            run: $f,
        }
    };
}
pub(crate) use property;
