//! Records/s of mapping + rule resolution + fingerprint for a 15-field lead, on one core.
//! `cargo run --release -p jingsf-domain --example plan_throughput [records]`; under
//! `valgrind --tool=callgrind` it gives a load-independent instruction count per record.

use jingsf_domain::change::FieldChange;
use jingsf_domain::fingerprint::fingerprint;
use jingsf_domain::plan::{PlanInput, plan};
use jingsf_domain::spec::FieldMapping;
use jingsf_domain::{Direction, FieldRule, FieldType, ObjectKind, ObjectSpec, Value};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use time::macros::datetime;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut mapping = ObjectSpec::of(ObjectKind::Lead).default_mapping();
    for i in 0..6 {
        mapping.push(FieldMapping {
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
    let input = PlanInput {
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
    };
    let start = Instant::now();
    let mut writes = 0;
    for _ in 0..n {
        let p = plan(black_box(&input));
        let fp = fingerprint(p.writes.iter().map(|(k, v)| (k.as_str(), v)));
        writes += p.writes.len();
        black_box(fp);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} records ({writes} field writes) in {secs:.3} s = {:.0} records/s",
        n as f64 / secs
    );
}
