//! Mapping + rule resolution for a 15-field lead: the writer's pure per-record work.
//! Goal: ≥ 500,000 records/s on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jingsf_domain::change::FieldChange;
use jingsf_domain::fingerprint::fingerprint;
use jingsf_domain::plan::{PlanInput, plan};
use jingsf_domain::spec::FieldMapping;
use jingsf_domain::{Direction, FieldRule, FieldType, ObjectKind, ObjectSpec, Value};
use std::collections::BTreeMap;
use std::hint::black_box;
use time::macros::datetime;

fn fifteen_field_mapping() -> Vec<FieldMapping> {
    let mut m = ObjectSpec::of(ObjectKind::Lead).default_mapping(); // 9 defaults
    for i in 0..6 {
        m.push(FieldMapping {
            sf_field: format!("Custom{i}__c"),
            jing_field: format!("custom_{i}"),
            sf_type: FieldType::Text { max_len: 255 },
            jing_type: FieldType::Text { max_len: 255 },
            rule: FieldRule::TwoWay,
            blank: Default::default(),
            pinned: false,
            options: vec![],
        });
    }
    m
}

fn bench(c: &mut Criterion) {
    let mapping = fifteen_field_mapping();
    assert_eq!(mapping.len(), 15);
    let incoming: BTreeMap<String, FieldChange> = mapping
        .iter()
        .map(|m| {
            let v = match m.jing_field.as_str() {
                "life_status" => Value::text("following"),
                "mobile" => Value::text("13800138000"),
                "email" => Value::text("zhang.san@example.cn"),
                f => Value::text(format!("{f} 新值")),
            };
            (
                m.jing_field.clone(),
                FieldChange {
                    before: None,
                    after: v,
                },
            )
        })
        .collect();
    let last: BTreeMap<String, Value> = mapping
        .iter()
        .map(|m| {
            (
                m.sf_field.clone(),
                Value::text(format!("{} old", m.sf_field)),
            )
        })
        .collect();
    let mut group = c.benchmark_group("lead_15_fields");
    group.throughput(Throughput::Elements(1));
    group.bench_function("plan+fingerprint", |b| {
        b.iter(|| {
            let p = plan(black_box(&PlanInput {
                direction: Direction::JingToSf,
                direction_enabled: true,
                mapping: &mapping,
                incoming: &incoming,
                incoming_at: datetime!(2024-05-01 10:00 UTC),
                last_synced: Some(&last),
                target_current: None,
                target_changed_at: None,
                concurrent: false,
                field_sync: None,
            }));
            let fp = fingerprint(p.writes.iter().map(|(k, v)| (k.as_str(), v)));
            black_box((p, fp))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
