//! Records/s of mapping + rule resolution + fingerprint for a 15-field lead, on one core.
//! `cargo run --release -p jingsf-domain --example plan_throughput [records]`; under
//! `valgrind --tool=callgrind` it gives a load-independent instruction count per record.

#[path = "../benches/common/lead15.rs"]
mod lead15;

use jingsf_domain::fingerprint::fingerprint;
use jingsf_domain::plan::plan;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let lead = lead15::Lead15::default();
    let input = lead.input();
    let start = Instant::now();
    let mut writes = 0;
    for _ in 0..n {
        let p = plan(black_box(&input));
        let fp = fingerprint(p.writes.iter());
        writes += p.writes.len();
        black_box(fp);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} records ({writes} field writes) in {secs:.3} s = {:.0} records/s",
        n as f64 / secs
    );
}
