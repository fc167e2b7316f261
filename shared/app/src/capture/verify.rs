//! Verify mode of outbound messages (per app, `AppSettings::verify_outbound`, off by default).
//!
//! An outbound message is authenticated by its URL token and its org id, and its values are
//! otherwise trusted: whoever learns the URL could create records, blank fields, win conflicts
//! with a future `SystemModstamp` or mark a lead converted. In verify mode a message only says
//! *which* records changed: the connector reads their current values with its own
//! authorization (`SELECT … WHERE Id IN (…)`) and queues what Salesforce answers. An id that
//! does not exist (forged, or deleted since) queues nothing; the poll's delete detection handles
//! deletes as always.
//!
//! Cost: one query per message and object (a message holds at most 100 notifications of one
//! object, a query reads up to [`READ_CHUNK`] ids), reserved in the app's daily allocation like
//! every call. With one edit per message that is one call per edit in Salesforce; without verify
//! mode, outbound messages cost no calls. If the read fails (allocation spent, Salesforce or the
//! authorization unavailable) the message is not acknowledged: Salesforce sends it again (for up
//! to 24 hours), and the scheduled poll reads the same records anyway.

use super::push::{
    IngestError, PushDeps, PushReport, PushedNotification, check_org, delivery_key, enqueue_once,
    notification_object,
};
use super::{convert::sf_record_change, poll::fields_of};
use crate::ports::{SalesforcePort, SfRecord};
use crate::settings::AppSettings;
use domain::{Change, Lane, ObjectKind, ObjectSpec, SfId};
use std::collections::{BTreeMap, HashMap};

/// Ids per read (the `Id IN (...)` list of one query; a message has at most 100).
pub const READ_CHUNK: usize = 200;

/// An outbound message in verify mode → the records' current values on the queue. `Ok` means:
/// answer `<Ack>true</Ack>`.
pub async fn ingest_outbound_verified(
    deps: &PushDeps<'_>,
    sf: &dyn SalesforcePort,
    settings: &AppSettings,
    org_id: &SfId,
    notifications: Vec<PushedNotification>,
) -> Result<PushReport, IngestError> {
    // Another org's message costs no call.
    check_org(settings, org_id)?;
    let mut report = PushReport::default();
    let mut by_object: BTreeMap<ObjectKind, Vec<PushedNotification>> = BTreeMap::new();
    for n in notifications {
        match notification_object(settings, &n.sobject) {
            Some(kind) => by_object.entry(kind).or_default().push(n),
            None => report.ignored += 1,
        }
    }
    let mut changes = Vec::new();
    for (kind, notes) in by_object {
        let ids: Vec<SfId> = notes.iter().map(|n| n.id.clone()).collect();
        let current = read_current(sf, settings, kind, &ids)
            .await
            .map_err(|e| IngestError::Unverified(e.to_string()))?;
        for n in &notes {
            match current.get(n.id.as_str()) {
                Some(change) => changes.push((delivery_key(settings, n), change.clone())),
                None => report.ignored += 1,
            }
        }
    }
    enqueue_once(deps, changes, &mut report).await?;
    Ok(report)
}

/// The current values of `ids` as changes, by 18-character id (absent: no such live record).
pub(crate) async fn read_current(
    sf: &dyn SalesforcePort,
    settings: &AppSettings,
    kind: ObjectKind,
    ids: &[SfId],
) -> Result<HashMap<String, Change>, crate::ports::RemoteError> {
    let mut unique: Vec<&SfId> = ids.iter().collect();
    unique.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    unique.dedup_by(|a, b| a.as_str() == b.as_str());
    let object = ObjectSpec::of(kind).sf_object;
    let fields = fields_of(settings, kind);
    let mut out = HashMap::with_capacity(unique.len());
    for chunk in unique.chunks(READ_CHUNK) {
        // Ids are alphanumeric (checked by SfId): quoting them needs no escaping.
        let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
        let clause = format!("Id IN ({})", list.join(","));
        let records: Vec<SfRecord> = sf
            .page_by_id(object, &fields, Some(&clause), None, chunk.len())
            .await?;
        for r in &records {
            // Only what was asked for: a record the query should not have matched is ignored.
            if chunk.iter().any(|id| id.as_str() == r.id.as_str()) {
                let change = sf_record_change(settings, kind, r, Lane::Live);
                out.insert(r.id.as_str().to_owned(), change);
            }
        }
    }
    Ok(out)
}
