//! The `Change` message: the one shape every source produces and the writer consumes.

use crate::ids::{AppId, JingId, SfId};
use crate::object::{ObjectKind, Side};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Bumped when the shape changes incompatibly; consumers refuse versions they do not know.
pub const CHANGE_VERSION: u16 = 1;

/// The record a change is about, by its id on the side the change came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "side", content = "id", rename_all = "snake_case")]
pub enum RecordRef {
    Salesforce(SfId),
    Jing(JingId),
}

impl RecordRef {
    pub fn side(&self) -> Side {
        match self {
            Self::Salesforce(_) => Side::Salesforce,
            Self::Jing(_) => Side::Jing,
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            Self::Salesforce(id) => id.as_str(),
            Self::Jing(id) => id.as_str(),
        }
    }
}

/// What happened to the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Created or updated: the writer decides create vs update from the binding.
    Upsert,
    Delete,
    /// A Salesforce lead was converted; ids of what the conversion produced.
    Convert {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<SfId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<SfId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opportunity: Option<SfId>,
    },
}

/// Who made the change: our own integration writes are echoes and never flow back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person or another integration (id when known: Salesforce user id, JING operator id).
    Human(Option<String>),
    /// The connector itself (our integration user / our API client).
    Integration,
    /// An admin's decision made in the connector (a conflict settled from the ledger, who
    /// settled it): the value is written to the other side and, where that side's value was
    /// kept over it before, given back to the origin too, so both sides hold it.
    Admin(String),
    /// A polled snapshot our integration user saved last: it may fold in earlier human edits
    /// whose own notifications were lost, so it is planned field by field against what we
    /// wrote (our values compare unchanged) instead of being dropped whole as an echo.
    IntegrationSnapshot,
}

/// Where a change came from; drives priority when the API budget is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Pushed or polled live changes.
    Live,
    /// Initialization / resync.
    Backfill,
}

/// One field's change, named as on the origin side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The value before, when the source tells it (JING updates do; Salesforce pushes do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    pub after: Value,
}

/// A normalized change of one record on one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub v: u16,
    pub app: AppId,
    pub object: ObjectKind,
    pub record: RecordRef,
    #[serde(flatten)]
    pub op: Operation,
    /// When the source says the change happened (SystemModstamp, webhook create_time, ...).
    #[serde(with = "time::serde::rfc3339")]
    pub source_time: OffsetDateTime,
    pub actor: Actor,
    pub lane: Lane,
    /// Changed fields keyed by the origin side's field name. Full snapshots are fine too.
    pub fields: BTreeMap<String, FieldChange>,
}

impl Change {
    pub fn origin(&self) -> Side {
        self.record.side()
    }

    /// Build a live upsert from a snapshot of field values.
    pub fn upsert(
        app: AppId,
        object: ObjectKind,
        record: RecordRef,
        source_time: OffsetDateTime,
        fields: impl IntoIterator<Item = (String, Value)>,
    ) -> Self {
        Self {
            v: CHANGE_VERSION,
            app,
            object,
            record,
            op: Operation::Upsert,
            source_time,
            actor: Actor::Human(None),
            lane: Lane::Live,
            fields: fields
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        FieldChange {
                            before: None,
                            after: v.normalized(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// Key that identifies this exact change for idempotency: app, object, record, source
    /// version and a hash of the values (never the queue message id).
    pub fn idempotency_key(&self) -> String {
        let values = self.fields.iter().map(|(k, f)| (k.as_str(), &f.after));
        let fp = crate::fingerprint::fingerprint(values);
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.app,
            self.object,
            self.record.side().as_str(),
            self.record.as_str(),
            crate::datetime::epoch_millis(self.source_time),
            fp
        )
    }

    /// `later` has this change's time but another value for a field both carry: which of the
    /// two is the record's latest state cannot be told from them (see `RecordPlan::ambiguous`).
    pub fn ties_with(&self, later: &Change) -> bool {
        later.source_time == self.source_time
            && later.fields.iter().any(|(k, f)| {
                self.fields
                    .get(k)
                    .is_some_and(|mine| !crate::rules::same(&mine.after, &f.after))
            })
    }

    /// Merge a later change of the same record into this one (latest value per field wins).
    /// A delete wins over everything before it; an upsert after a delete revives the record.
    pub fn coalesce(&mut self, later: Change) {
        debug_assert_eq!(self.record, later.record);
        if later.source_time < self.source_time {
            // An older change arriving late only fills fields we have not seen.
            for (k, f) in later.fields {
                self.fields.entry(k).or_insert(f);
            }
            return;
        }
        match later.op {
            Operation::Delete => self.fields.clear(),
            Operation::Convert { .. } => {}
            Operation::Upsert if self.op == Operation::Delete => self.fields.clear(),
            Operation::Upsert => {}
        }
        if !(later.op == Operation::Upsert && matches!(self.op, Operation::Convert { .. })) {
            self.op = later.op;
        }
        for (k, f) in later.fields {
            let before = self.fields.get(&k).and_then(|old| old.before.clone());
            self.fields.insert(
                k,
                FieldChange {
                    before: before.or(f.before),
                    after: f.after,
                },
            );
        }
        self.source_time = later.source_time;
        self.actor = later.actor;
        self.lane = self.lane.min(later.lane);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn change(at: OffsetDateTime, fields: &[(&str, &str)]) -> Change {
        Change::upsert(
            AppId::parse("acme").unwrap(),
            ObjectKind::Lead,
            RecordRef::Jing(JingId::parse("NttdW4NoJfD2cX6f7rg52f").unwrap()),
            at,
            fields.iter().map(|(k, v)| (k.to_string(), Value::text(*v))),
        )
    }

    #[test]
    fn change_round_trips_through_json_with_its_version() {
        let c = change(
            datetime!(2024-05-01 10:00 UTC),
            &[("name", "张三"), ("mobile", "")],
        );
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""v":1"#), "{json}");
        assert!(json.contains(r#""op":"upsert""#), "{json}");
        let back: Change = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.fields["mobile"].after, Value::Empty);
    }

    #[test]
    fn coalescing_keeps_the_latest_value_per_field() {
        let mut a = change(
            datetime!(2024-05-01 10:00 UTC),
            &[("name", "A"), ("title", "CEO")],
        );
        let b = change(datetime!(2024-05-01 10:05 UTC), &[("name", "B")]);
        let stale = change(
            datetime!(2024-05-01 09:00 UTC),
            &[("name", "old"), ("email", "x@y.cn")],
        );
        a.coalesce(b);
        a.coalesce(stale);
        assert_eq!(a.fields["name"].after, Value::text("B"));
        assert_eq!(a.fields["title"].after, Value::text("CEO"));
        assert_eq!(a.fields["email"].after, Value::text("x@y.cn"));
        assert_eq!(a.source_time, datetime!(2024-05-01 10:05 UTC));
    }

    #[test]
    fn a_delete_after_updates_wins_and_an_upsert_after_it_revives() {
        let mut a = change(datetime!(2024-05-01 10:00 UTC), &[("name", "A")]);
        let mut del = change(datetime!(2024-05-01 10:01 UTC), &[]);
        del.op = Operation::Delete;
        a.coalesce(del);
        assert_eq!(a.op, Operation::Delete);
        assert!(a.fields.is_empty());
        a.coalesce(change(datetime!(2024-05-01 10:02 UTC), &[("name", "C")]));
        assert_eq!(a.op, Operation::Upsert);
        assert_eq!(a.fields.len(), 1);
    }

    #[test]
    fn idempotency_key_depends_on_values_and_version() {
        let a = change(datetime!(2024-05-01 10:00 UTC), &[("name", "A")]);
        let b = change(datetime!(2024-05-01 10:00 UTC), &[("name", "B")]);
        let c = change(datetime!(2024-05-01 10:01 UTC), &[("name", "A")]);
        assert_ne!(a.idempotency_key(), b.idempotency_key());
        assert_ne!(a.idempotency_key(), c.idempotency_key());
        assert_eq!(a.idempotency_key(), a.clone().idempotency_key());
    }

    #[test]
    fn changes_of_the_same_second_with_other_values_tie() {
        let at = datetime!(2024-05-01 10:00 UTC);
        let a = change(at, &[("name", "A"), ("title", "CEO")]);
        assert!(a.ties_with(&change(at, &[("title", "CTO")])));
        assert!(
            !a.ties_with(&change(at, &[("title", "CEO")])),
            "same values"
        );
        assert!(
            !a.ties_with(&change(at, &[("email", "x@y.cn")])),
            "other fields"
        );
        let later = datetime!(2024-05-01 10:00:01 UTC);
        assert!(!a.ties_with(&change(later, &[("title", "CTO")])), "later");
    }
}
