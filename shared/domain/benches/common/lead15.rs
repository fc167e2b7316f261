//! The measured workload, shared by the criterion bench and the throughput example: a lead
//! with 15 mapped fields (9 defaults + 6 custom texts), every field changed in JING.

use jingsf_domain::change::FieldChange;
use jingsf_domain::plan::PlanInput;
use jingsf_domain::spec::FieldMapping;
use jingsf_domain::{Direction, FieldRule, FieldType, ObjectKind, ObjectSpec, Value};
use std::collections::BTreeMap;
use time::macros::datetime;

pub struct Lead15 {
    pub mapping: Vec<FieldMapping>,
    pub incoming: BTreeMap<String, FieldChange>,
    pub last: BTreeMap<String, Value>,
}

impl Default for Lead15 {
    fn default() -> Self {
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
        assert_eq!(mapping.len(), 15);
        let incoming = mapping
            .iter()
            .map(|m| {
                let after = match m.jing_field.as_str() {
                    "life_status" => Value::text("following"),
                    "mobile" => Value::text("13800138000"),
                    "email" => Value::text("zhang.san@example.cn"),
                    f => Value::text(format!("{f} 新值")),
                };
                (
                    m.jing_field.clone(),
                    FieldChange {
                        before: None,
                        after,
                    },
                )
            })
            .collect();
        let last = mapping
            .iter()
            .map(|m| {
                (
                    m.sf_field.clone(),
                    Value::text(format!("{} old", m.sf_field)),
                )
            })
            .collect();
        Self {
            mapping,
            incoming,
            last,
        }
    }
}

impl Lead15 {
    /// The planner's input for one record coming from JING.
    pub fn input(&self) -> PlanInput<'_, '_> {
        PlanInput {
            direction: Direction::JingToSf,
            direction_enabled: true,
            mapping: &self.mapping,
            incoming: &self.incoming,
            incoming_at: datetime!(2024-05-01 10:00 UTC),
            last_synced: Some(&self.last),
            target_current: None,
            target_changed_at: None,
            concurrent: false,
            field_sync: None,
            views: None,
            now: datetime!(2024-05-01 10:05 UTC),
            own_save: false,
            fresh_read: false,
        }
    }
}
