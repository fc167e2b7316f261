//! What a JING event says (the model), how it is generated, and the body JING sends for it.

use std::collections::BTreeMap;

use domain::datetime::from_epoch_auto;
use domain::{Actor, FieldChange, JingId, Operation, RecordRef, Value};
use jing::ParsedEvent;
use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::{KEYWORDS, KNOWN_CODES};
use crate::re;

/// A `mapping_data` entry: `[after]`, `[before, after]`, a bare value, or `[]`.
#[derive(Debug, Clone)]
pub enum Mapped {
    /// A code of no default mapping (decoded as text) with text values we can predict.
    Text(Vec<String>),
    Bare(String),
    /// A known code with any JSON: only its presence is predicted.
    Any(Json),
}

/// What a delivery says.
#[derive(Debug, Clone)]
pub struct Event {
    pub lead: bool,
    pub keyword: &'static str,
    /// The keyword in `action_keyword`, or only in `event_type` (the fallback).
    pub in_action_keyword: bool,
    pub mid: Json,
    pub entity_id: String,
    pub create_time: i64,
    pub mapping: Vec<(String, Mapped)>,
    pub operator_type: Option<i64>,
    pub login_platform: Option<String>,
    pub operator_id: Option<Json>,
    pub owner: Option<String>,
}

pub(super) fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        re(".{0,12}").prop_map(Json::from),
        re("[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?").prop_map(Json::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(re("[a-z_]{1,8}"), inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

fn mapped() -> impl Strategy<Value = (String, Mapped)> {
    prop_oneof![
        (
            re("zz_[a-z0-9_]{0,10}"),
            prop::collection::vec(re(".{0,12}"), 0..3)
        )
            .prop_map(|(c, v)| (c, Mapped::Text(v))),
        (re("zz_[a-z0-9_]{0,10}"), re(".{0,12}")).prop_map(|(c, v)| (c, Mapped::Bare(v))),
        (prop::sample::select(KNOWN_CODES), any_json())
            .prop_map(|(c, v)| (c.to_owned(), Mapped::Any(v))),
    ]
}

pub fn event() -> impl Strategy<Value = Event> {
    let who = (
        proptest::option::of(prop_oneof![Just(0i64), Just(1), any::<i64>()]),
        proptest::option::of(prop_oneof![Just("openapi".to_owned()), re("[a-z]{0,8}")]),
        proptest::option::of(prop_oneof![
            any::<i64>().prop_map(Json::from),
            re(".{0,8}").prop_map(Json::from)
        ]),
        proptest::option::of(re("[A-Za-z0-9]{1,22}")),
    );
    let what = (
        any::<bool>(),
        prop::sample::select(KEYWORDS),
        any::<bool>(),
        prop_oneof![Just(json!("59")), any::<u32>().prop_map(Json::from)],
        re("[A-Za-z0-9_-]{1,64}"),
        prop_oneof![
            1_500_000_000i64..2_000_000_000,
            1_500_000_000_000i64..2_000_000_000_000
        ],
        prop::collection::vec(mapped(), 0..6),
    );
    (what, who).prop_map(
        |((lead, keyword, in_ak, mid, entity, time, mapping), who)| Event {
            lead,
            keyword,
            in_action_keyword: in_ak,
            mid,
            entity_id: entity,
            create_time: time,
            mapping: dedup(mapping),
            operator_type: who.0,
            login_platform: who.1,
            operator_id: who.2,
            owner: who.3,
        },
    )
}

/// Later entries win in JSON objects; keep the first of each code, as the body will hold.
fn dedup(mapping: Vec<(String, Mapped)>) -> Vec<(String, Mapped)> {
    let mut seen = std::collections::BTreeSet::new();
    mapping
        .into_iter()
        .filter(|(c, _)| seen.insert(c.clone()))
        .collect()
}

impl Event {
    fn mapping_json(&self) -> Json {
        let entry = |m: &Mapped| match m {
            Mapped::Text(items) => json!(items),
            Mapped::Bare(s) => json!(s),
            Mapped::Any(v) => v.clone(),
        };
        let map: serde_json::Map<String, Json> = self
            .mapping
            .iter()
            .map(|(code, m)| (code.clone(), entry(m)))
            .collect();
        Json::Object(map)
    }

    fn extra_json(&self) -> Json {
        let mut extra = json!({
            "object_name": if self.lead { "lead" } else { "account" },
            "entity_id": self.entity_id,
            "mapping_data": self.mapping_json(),
            "object_id": "628",
            "timeline_data": {"login_platform": "jing"},
        });
        let optional = [
            ("operator_type", self.operator_type.map(Json::from)),
            (
                "login_platform",
                self.login_platform.clone().map(Json::from),
            ),
            ("operator_id", self.operator_id.clone()),
            ("owner", self.owner.clone().map(Json::from)),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                extra[k] = v;
            }
        }
        extra
    }

    /// The body JING would send (the keyword in `event_type`, and in `action_keyword` or not).
    pub fn to_json(&self) -> Json {
        let mut body = json!({
            "event_type": self.keyword,
            "create_time": self.create_time,
            "extra_data": self.extra_json(),
            "mid": self.mid,
            "event_category": "object_v2",
            "openplatform": "June",
        });
        if self.in_action_keyword {
            body["action_keyword"] = json!(self.keyword);
        }
        body
    }

    /// The changed fields the event must become: `None` where only the presence is predicted.
    fn expected_fields(&self) -> BTreeMap<&str, Option<FieldChange>> {
        let mut fields: BTreeMap<&str, Option<FieldChange>> = self
            .mapping
            .iter()
            .map(|(code, m)| {
                let change = match m {
                    Mapped::Text(items) => Some(text_change(items)),
                    Mapped::Bare(s) => Some(after(Value::text(s.clone()))),
                    Mapped::Any(_) => None,
                };
                (code.as_str(), change)
            })
            .collect();
        if self.keyword.ends_with("_distribution") && !fields.contains_key("owner") {
            let owner = self.owner.clone().map_or(Value::Empty, Value::text);
            fields.insert("owner", Some(after(owner)));
        }
        fields
    }

    /// The parsed event is this event: record, operation, time, actor and fields.
    pub(super) fn assert_parsed(&self, ev: &ParsedEvent) -> Result<(), TestCaseError> {
        let c = &ev.change;
        prop_assert_eq!(c.app.as_str(), "acme");
        let id = JingId::parse(&self.entity_id).unwrap();
        prop_assert_eq!(&c.record, &RecordRef::Jing(id));
        let op = match self.keyword {
            "object_invalid" => Operation::Delete,
            _ => Operation::Upsert,
        };
        prop_assert_eq!(&c.op, &op);
        prop_assert_eq!(c.source_time, from_epoch_auto(self.create_time).unwrap());
        prop_assert_eq!(&ev.action_keyword, self.keyword);
        let ours =
            self.operator_type == Some(0) && self.login_platform.as_deref() == Some("openapi");
        prop_assert_eq!(ours, c.actor == Actor::Integration);
        let expected = self.expected_fields();
        let codes: Vec<&str> = c.fields.keys().map(String::as_str).collect();
        prop_assert_eq!(codes, expected.keys().copied().collect::<Vec<_>>());
        for (code, want) in expected {
            if let Some(want) = want {
                prop_assert_eq!(&c.fields[code], &want, "{}", code);
            }
        }
        Ok(())
    }
}

fn after(value: Value) -> FieldChange {
    FieldChange {
        before: None,
        after: value,
    }
}

fn text_change(items: &[String]) -> FieldChange {
    let t = |s: &String| Value::text(s.clone());
    match items {
        [] => FieldChange {
            before: None,
            after: Value::Empty,
        },
        [after] => FieldChange {
            before: None,
            after: t(after),
        },
        [before, after, ..] => FieldChange {
            before: Some(t(before)),
            after: t(after),
        },
    }
}

/// The JSON text with every object's keys in reverse order and spaces: the same event.
pub(super) fn reordered(v: &Json) -> String {
    match v {
        Json::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .rev()
                .map(|(k, v)| format!("{} : {}", Json::from(k.as_str()), reordered(v)))
                .collect();
            format!("{{ {} }}", parts.join(" ,\n"))
        }
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(reordered).collect::<Vec<_>>().join(", ")
        ),
        scalar => scalar.to_string(),
    }
}
