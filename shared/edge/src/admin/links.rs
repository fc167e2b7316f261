//! Links from a listed record (failures, conflicts, successes) to both sides: the listing's
//! key is the record's Salesforce id or its JING id, and the other side's id comes from the
//! record's binding (a store read, no remote call). Salesforce links need the org's instance
//! URL, JING links the app's `jing_record_url` template.

use crate::Edge;
use app::links;
use app::settings::AppSettings;
use domain::{JingId, ObjectKind, ObjectSpec, SfId};
use serde_json::{Value, json};

/// Both ids of a listed record, as far as the key and the binding tell.
async fn ids(
    st: &Edge,
    s: &AppSettings,
    kind: ObjectKind,
    key: &str,
) -> (Option<SfId>, Option<JingId>) {
    let spec = ObjectSpec::of(kind);
    if let Ok(sf) = SfId::parse_with_prefix(key, spec.sf_key_prefix) {
        let bound = st.bindings.by_sf(&s.app, kind, &sf).await.ok().flatten();
        return (Some(sf), bound.map(|b| b.jing_id));
    }
    let Ok(jing) = JingId::parse(key) else {
        return (None, None);
    };
    let bound = st
        .bindings
        .by_jing(&s.app, kind, &jing)
        .await
        .ok()
        .flatten();
    (bound.map(|b| b.sf_id), Some(jing))
}

/// `url` (Salesforce) and `jing_url` of one listed record, set on its JSON.
pub(crate) async fn add(st: &Edge, s: &AppSettings, kind: ObjectKind, key: &str, row: &mut Value) {
    let (sf, jing) = ids(st, s, kind, key).await;
    let spec = ObjectSpec::of(kind);
    row["url"] = json!(sf.and_then(|id| links::salesforce(s, spec.sf_object, &id)));
    row["jing_url"] = json!(jing.and_then(|id| links::jing(s, kind, &id)));
}
