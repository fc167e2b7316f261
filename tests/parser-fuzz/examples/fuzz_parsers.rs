//! The parser properties at bench size: `cases` cases per parser (default 1,000,000), shared
//! evenly by its properties (those on 1 MB inputs get a further `1/divisor` on top), run one
//! after the other on one core; then cases and time per property and per parser. A failure (a
//! panic included: the runner catches it) prints the shrunk input and ends with status 1.
//!
//! ```sh
//! cargo run --profile fuzz -p parser-fuzz --example fuzz_parsers -- 1000000 [parser|property ...]
//! ```
//!
//! The `fuzz` profile is release with overflow checks and debug assertions, so arithmetic
//! overflow panics as it does in the debug-mode tests.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use parser_fuzz::Property;

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: u32 = args
        .next()
        .map(|a| a.replace(['_', ','], "").parse().expect("cases: a number"))
        .unwrap_or(1_000_000);
    let only: Vec<String> = args.collect();
    let all = parser_fuzz::properties();
    let selected: Vec<&Property> = all
        .iter()
        .filter(|p| only.is_empty() || only.iter().any(|o| o == p.parser || o == p.name))
        .collect();
    let mut per_parser: BTreeMap<&str, (u64, Duration)> = BTreeMap::new();
    let mut failed = false;
    for p in &selected {
        let n = share(cases, p, &selected);
        let start = Instant::now();
        let result = (p.run)(parser_fuzz::config(n));
        let took = start.elapsed();
        let status = match &result {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("FAILED\n{e}"),
        };
        let secs = took.as_secs_f64();
        println!(
            "{:<10} {:<46} {n:>9} cases {secs:>7.1} s  {status}",
            p.parser, p.name
        );
        failed |= result.is_err();
        let entry = per_parser.entry(p.parser).or_default();
        entry.0 += u64::from(n);
        entry.1 += took;
    }
    print_totals(&per_parser);
    if failed {
        std::process::exit(1);
    }
}

fn print_totals(per_parser: &BTreeMap<&str, (u64, Duration)>) {
    println!("\nparser         cases     time   cases/s");
    for (parser, (n, took)) in per_parser {
        let secs = took.as_secs_f64();
        let rate = *n as f64 / secs;
        println!("{parser:<10} {n:>9} {secs:>7.1} s {rate:>9.0}");
    }
}

/// This property's part of its parser's `cases`: an equal share among the ordinary properties
/// (so they add up to at least `cases`), that share over `divisor` for the 1 MB ones.
fn share(cases: u32, p: &Property, selected: &[&Property]) -> u32 {
    let ordinary = selected
        .iter()
        .filter(|q| q.parser == p.parser && q.divisor == 1)
        .count()
        .max(1) as u32;
    (cases.div_ceil(ordinary) / p.divisor).max(1)
}
