//! Changes made by a person in JING's back office: same rules as the API, and each one queues
//! an `object_v2` webhook event.

use crate::schema::Refusal;
use crate::state::Inner;
use crate::webhooks::{self, Operator};
use domain::JingId;
use serde_json::{Map, Value as Json, json};

/// A refusal of a human change (the same codes the open API answers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JING refused the change: {code} {msg}")]
pub struct SimError {
    pub code: i64,
    pub msg: String,
    pub existing_id: Option<String>,
}

impl From<Refusal> for SimError {
    fn from(r: Refusal) -> Self {
        Self {
            code: r.code,
            msg: r.msg,
            existing_id: r.existing,
        }
    }
}

fn object_fields(fields: Json) -> Result<Map<String, Json>, SimError> {
    match fields {
        Json::Object(m) => Ok(m),
        other => Err(SimError {
            code: 40000,
            msg: format!("fields must be an object, got {other}"),
            existing_id: None,
        }),
    }
}

fn jing_id(id: String) -> Result<JingId, SimError> {
    JingId::parse(&id).map_err(|e| SimError {
        code: 50000,
        msg: e.to_string(),
        existing_id: None,
    })
}

/// A back-office user of the tenant.
pub struct Human<'a> {
    pub(crate) inner: &'a Inner,
    pub(crate) operator: Operator,
}

impl Human<'_> {
    /// Act as another back-office user (operator id as in `extra_data.operator_id`).
    pub fn as_operator(mut self, operator_id: i64) -> Self {
        self.operator = Operator::human(operator_id);
        self
    }

    pub fn create_lead(&self, fields: Json) -> Result<JingId, SimError> {
        self.create("lead", fields)
    }

    pub fn create_account(&self, fields: Json) -> Result<JingId, SimError> {
        self.create("account", fields)
    }

    pub fn create(&self, object: &str, fields: Json) -> Result<JingId, SimError> {
        let fields = object_fields(fields)?;
        let now = self.inner.clock.now_ms();
        let mut st = self.inner.lock();
        let id = st.store.create(object, &fields, now)?;
        st.store.mark_by_api(&id, false);
        webhooks::on_create(&mut st, object, &id, self.operator, now);
        jing_id(id)
    }

    pub fn update(&self, object: &str, id: &JingId, fields: Json) -> Result<(), SimError> {
        self.apply(object, id, object_fields(fields)?, None)
    }

    /// Re-assign the owner; `auto` = JING's assignment rules (`auto_distribution`).
    pub fn change_owner(
        &self,
        object: &str,
        id: &JingId,
        owner: &JingId,
        auto: bool,
    ) -> Result<(), SimError> {
        let kw = if auto {
            "auto_distribution"
        } else {
            "manual_distribution"
        };
        let fields = object_fields(json!({ "owner": owner.as_str() }))?;
        self.apply(object, id, fields, Some(kw))
    }

    pub fn invalidate(&self, object: &str, id: &JingId) -> Result<(), SimError> {
        let now = self.inner.clock.now_ms();
        let mut st = self.inner.lock();
        if st.store.invalidate(object, id.as_str(), now)? {
            st.store.mark_by_api(id.as_str(), false);
            webhooks::on_invalidate(&mut st, object, id.as_str(), self.operator, now);
        }
        Ok(())
    }

    fn apply(
        &self,
        object: &str,
        id: &JingId,
        fields: Map<String, Json>,
        kw: Option<&'static str>,
    ) -> Result<(), SimError> {
        let now = self.inner.clock.now_ms();
        let mut st = self.inner.lock();
        let diff = st.store.update(object, id.as_str(), &fields, now)?;
        if !diff.is_empty() {
            st.store.mark_by_api(id.as_str(), false);
        }
        webhooks::on_update(&mut st, object, id.as_str(), &diff, kw, self.operator, now);
        Ok(())
    }
}
