//! "Why didn't record X sync?": a record's recent decisions under both of its ids, and its
//! binding when it has one.

use crate::ports::{Binding, BindingStore, Decision, DecisionLog, StoreError};
use domain::{AppId, JingId, ObjectKind, SfId};
use time::OffsetDateTime;

/// What the log says about one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// The pair the record belongs to, when bound.
    pub binding: Option<Binding>,
    /// Newest first, under either side's id.
    pub decisions: Vec<Decision>,
}

/// The binding of `record` (either side's id), then the decisions under both ids.
pub async fn explain(
    bindings: &dyn BindingStore,
    log: &dyn DecisionLog,
    app: &AppId,
    object: ObjectKind,
    record: &str,
    now: OffsetDateTime,
) -> Result<Explained, StoreError> {
    let record = record.trim();
    let sf = SfId::parse(record).ok();
    let mut binding = match &sf {
        Some(id) => bindings.by_sf(app, object, id).await?,
        None => None,
    };
    if binding.is_none()
        && let Ok(id) = JingId::parse(record)
    {
        binding = bindings.by_jing(app, object, &id).await?;
    }
    // A Salesforce id is stored in its 18-character form, whichever form was typed.
    let mut keys = vec![record.to_owned()];
    let paired = binding
        .iter()
        .flat_map(|b| [b.sf_id.to_string(), b.jing_id.to_string()]);
    for id in sf.map(|id| id.to_string()).into_iter().chain(paired) {
        if !keys.contains(&id) {
            keys.push(id);
        }
    }
    let decisions = log.for_record(app, object, &keys, now).await?;
    Ok(Explained { binding, decisions })
}
