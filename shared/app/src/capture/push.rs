//! Push paths: Salesforce outbound messages and JING webhooks. Acknowledge only after the
//! changes are durably queued; a duplicate delivery enqueues nothing new.

use super::convert::soap_value;
use crate::ports::{ChangeQueue, Clock, IdempotencyStore, KeyedChange};
use crate::settings::AppSettings;
use domain::{
    Actor, Change, FieldChange, Lane, ObjectKind, ObjectSpec, Operation, RecordRef, SfId,
};
use std::collections::BTreeMap;
use time::Duration;

/// Deliveries are remembered this long (Salesforce retries outbound messages for 24 h).
const DEDUP_WINDOW: Duration = Duration::hours(48);

#[derive(Clone, Copy)]
pub struct PushDeps<'a> {
    pub queue: &'a dyn ChangeQueue,
    pub seen: &'a dyn IdempotencyStore,
    pub clock: &'a dyn Clock,
}

/// One notification of an outbound message, as parsed by the Salesforce crate.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedNotification {
    /// `Notification/Id` (04l…): the dedup key Salesforce documents.
    pub notification_id: String,
    /// sObject type from `xsi:type` (`Lead`, `Account`, `Opportunity`).
    pub sobject: String,
    pub id: SfId,
    /// Field values as sent (text), by API name.
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The message's org is not this app's org: refuse (HTTP 403), never ack.
    #[error("organization {got} is not the org this app is authorized for")]
    WrongOrg { got: String },
    /// The app was never connected: no org to check the message against.
    #[error("the app is not connected to Salesforce")]
    NotConnected,
    /// Could not queue durably: do not ack, the sender retries (HTTP 503).
    #[error("could not queue the changes: {0}")]
    Unavailable(String),
    /// Verify mode: the records could not be read back now (not connected, Salesforce down,
    /// allocation spent). Do not ack: the sender retries, and the poll reads them anyway.
    #[error("could not read the records back from Salesforce: {0}")]
    Unverified(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    pub enqueued: usize,
    pub duplicates: usize,
    pub ignored: usize,
}

/// Salesforce outbound message → changes on the queue. `Ok` means: answer `<Ack>true</Ack>`.
pub async fn ingest_outbound(
    deps: &PushDeps<'_>,
    settings: &AppSettings,
    org_id: &SfId,
    notifications: Vec<PushedNotification>,
) -> Result<PushReport, IngestError> {
    check_org(settings, org_id)?;
    let mut report = PushReport::default();
    let mut changes = Vec::new();
    for n in notifications {
        let Some(change) = notification_change(settings, &n) else {
            report.ignored += 1;
            continue;
        };
        changes.push((delivery_key(settings, &n), change));
    }
    enqueue_once(deps, changes, &mut report).await?;
    Ok(report)
}

/// The message comes from the app's org. The org outlives a disconnect: messages that arrive
/// meanwhile are queued and held until the app is connected again.
pub fn check_org(settings: &AppSettings, org_id: &SfId) -> Result<(), IngestError> {
    let org = settings.org().ok_or(IngestError::NotConnected)?;
    if org.id15() != org_id.id15() {
        return Err(IngestError::WrongOrg {
            got: org_id.to_string(),
        });
    }
    Ok(())
}

/// A verified, parsed JING webhook event → the queue (once per idempotency key).
pub async fn ingest_webhook(
    deps: &PushDeps<'_>,
    change: Change,
    idempotency_key: &str,
) -> Result<PushReport, IngestError> {
    let mut report = PushReport::default();
    let key = format!("wh|{}|{idempotency_key}", change.app);
    enqueue_once(deps, vec![(key, change)], &mut report).await?;
    Ok(report)
}

/// Queue the changes whose delivery keys were not seen before (see `super::once`).
pub(super) async fn enqueue_once(
    deps: &PushDeps<'_>,
    changes: Vec<(String, Change)>,
    report: &mut PushReport,
) -> Result<(), IngestError> {
    let now = deps.clock.now();
    let items = changes
        .into_iter()
        .map(|(key, change)| KeyedChange {
            key,
            expires_at: now + DEDUP_WINDOW,
            change,
        })
        .collect();
    let queued = super::once::send_once(deps.queue, deps.seen, items, now)
        .await
        .map_err(|e| IngestError::Unavailable(e.to_string()))?;
    let fresh = queued.iter().filter(|q| **q).count();
    report.enqueued += fresh;
    report.duplicates += queued.len() - fresh;
    Ok(())
}

/// The synced object of a notification's sObject type, if the app has it.
pub(super) fn notification_object(settings: &AppSettings, sobject: &str) -> Option<ObjectKind> {
    ObjectKind::ALL
        .into_iter()
        .find(|k| *k != ObjectKind::Member && ObjectSpec::of(*k).sf_object == sobject)
        .filter(|k| settings.objects.contains_key(k))
}

/// The key a delivered notification is remembered under (Salesforce retries with the same id).
pub(super) fn delivery_key(settings: &AppSettings, n: &PushedNotification) -> String {
    format!("ob|{}|{}", settings.app, n.notification_id)
}

fn notification_change(settings: &AppSettings, n: &PushedNotification) -> Option<Change> {
    let object = notification_object(settings, &n.sobject)?;
    let obj = settings.objects.get(&object)?;
    let mut fields = BTreeMap::new();
    // Salesforce omits null fields from outbound messages, and the message definition selects
    // every mapped field (see the README): a mapped field that is absent was null at send time.
    for m in &obj.mapping {
        let after = n
            .fields
            .get(&m.sf_field)
            .map_or(domain::Value::Empty, |raw| soap_value(m.sf_type, raw));
        fields.insert(
            m.sf_field.clone(),
            FieldChange {
                before: None,
                after,
            },
        );
    }
    let integration = settings.authorized.as_ref().map(|a| a.user_id.to_string());
    let modified_by = n
        .fields
        .get("LastModifiedById")
        .and_then(|s| SfId::parse(s).ok())
        .map(|id| id.to_string());
    let actor = match modified_by {
        Some(by) if Some(&by) == integration.as_ref() => Actor::Integration,
        other => Actor::Human(other),
    };
    let at = n
        .fields
        .get("SystemModstamp")
        .and_then(|s| domain::datetime::parse_sf(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let converted = object == ObjectKind::Lead
        && n.fields.get("IsConverted").map(String::as_str) == Some("true");
    let op = if converted {
        let id = |k: &str| n.fields.get(k).and_then(|s| SfId::parse(s).ok());
        Operation::Convert {
            account: id("ConvertedAccountId"),
            contact: id("ConvertedContactId"),
            opportunity: id("ConvertedOpportunityId"),
        }
    } else {
        Operation::Upsert
    };
    Some(Change {
        v: domain::change::CHANGE_VERSION,
        app: settings.app.clone(),
        object,
        record: RecordRef::Salesforce(n.id.clone()),
        op,
        source_time: at,
        actor,
        lane: Lane::Live,
        fields,
    })
}
