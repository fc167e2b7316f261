//! Mapping + rule resolution for a 15-field lead: the writer's pure per-record work.
//! Goal: ≥ 500,000 records/s on one core.

#[path = "common/lead15.rs"]
mod lead15;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jingsf_domain::fingerprint::fingerprint;
use jingsf_domain::plan::plan;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let lead = lead15::Lead15::default();
    let input = lead.input();
    let mut group = c.benchmark_group("lead_15_fields");
    group.throughput(Throughput::Elements(1));
    group.bench_function("plan+fingerprint", |b| {
        b.iter(|| {
            let p = plan(black_box(&input));
            let fp = fingerprint(p.writes.iter());
            black_box((p, fp))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
