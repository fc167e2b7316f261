//! Click-through from a status list to the record on both sides (成功列表 → 查看记录).

use super::{StatusDeps, StatusError, load};
use domain::{AppId, JingId, ObjectKind, ObjectSpec, SfId};
use serde::{Deserialize, Serialize};

/// Where a listed record lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLink {
    pub object: ObjectKind,
    pub sf_id: Option<SfId>,
    pub jing_id: Option<JingId>,
    /// The Salesforce record page (Lightning), when the app is authorized and the id known.
    pub sf_url: Option<String>,
}

/// Resolve a list row's key (its id on the side the change came from) to both ids through
/// the binding, plus the Salesforce record URL. One binding lookup, no remote call.
pub async fn record_link(
    deps: &StatusDeps<'_>,
    app: &AppId,
    object: ObjectKind,
    key: &str,
) -> Result<RecordLink, StatusError> {
    let settings = load(deps, app).await?;
    let spec = ObjectSpec::of(object);
    // A Salesforce key has the object's key prefix and a valid checksum; anything else is a
    // JING id (JING uuids are never 15/18 characters with a matching prefix and checksum).
    let (sf_id, jing_id) = match SfId::parse_with_prefix(key, spec.sf_key_prefix) {
        Ok(sf) => {
            let bound = deps.bindings.by_sf(app, object, &sf).await?;
            (Some(sf), bound.map(|b| b.jing_id))
        }
        Err(_) => {
            let jing = JingId::parse(key).map_err(|_| StatusError::InvalidKey(key.to_owned()))?;
            let bound = deps.bindings.by_jing(app, object, &jing).await?;
            (bound.map(|b| b.sf_id), Some(jing))
        }
    };
    let sf_url = match (&settings.authorized, &sf_id) {
        (Some(a), Some(id)) => Some(format!(
            "{}/lightning/r/{}/{}/view",
            a.instance_url.trim_end_matches('/'),
            spec.sf_object,
            id
        )),
        _ => None,
    };
    Ok(RecordLink {
        object,
        sf_id,
        jing_id,
        sf_url,
    })
}
