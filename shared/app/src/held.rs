//! What the circuit breaker (or an org check) holds: the parked changes of a paused object and
//! direction, listed for the admin, who resumes them (`quota_reset::resume`) or discards them;
//! and the breaker's thresholds per app.

use crate::ports::{ErrorStore, ParkedStore, SettingsStore};
use crate::quota_reset::{QuotaError, unpause};
use crate::settings::{AppSettings, CircuitBreaker};
use domain::{AppId, Change, Direction, ObjectKind, Operation};
use serde::Serialize;
use time::OffsetDateTime;

/// Changes read at most per listing or discard (parked changes of other directions included).
pub const SCAN_MAX: usize = 50_000;

pub struct HeldDeps<'a> {
    pub parked: &'a dyn ParkedStore,
    pub errors: &'a dyn ErrorStore,
    pub settings: &'a dyn SettingsStore,
}

/// One held change, without its values (the record and which fields it would write).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldChange {
    pub record: String,
    pub op: &'static str,
    pub fields: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub source_time: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldPage {
    pub paused: bool,
    pub total: u64,
    pub items: Vec<HeldChange>,
    /// More parked changes than [`SCAN_MAX`] were waiting: the listing is partial.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscardReport {
    pub discarded: u64,
    pub was_paused: bool,
}

fn held_here(c: &Change, object: ObjectKind, direction: Direction) -> bool {
    c.object == object && Direction::from_origin(c.origin()) == direction
}

fn op_name(op: &Operation) -> &'static str {
    match op {
        Operation::Upsert => "upsert",
        Operation::Delete => "delete",
        Operation::Convert { .. } => "convert",
    }
}

async fn load(deps: &HeldDeps<'_>, app: &AppId) -> Result<AppSettings, QuotaError> {
    deps.settings
        .get(app)
        .await?
        .ok_or_else(|| QuotaError::UnknownApp(app.clone()))
}

/// The changes held for `object` in `direction`, up to `limit` of them listed.
pub async fn list(
    deps: &HeldDeps<'_>,
    app: &AppId,
    (object, direction): (ObjectKind, Direction),
    limit: usize,
) -> Result<HeldPage, QuotaError> {
    let s = load(deps, app).await?;
    let parked = deps.parked.peek(app, SCAN_MAX).await?;
    let truncated = parked.len() == SCAN_MAX;
    let here: Vec<&Change> = parked
        .iter()
        .map(|e| &e.change)
        .filter(|c| held_here(c, object, direction))
        .collect();
    let items = here
        .iter()
        .take(limit)
        .map(|c| HeldChange {
            record: c.record.as_str().to_owned(),
            op: op_name(&c.op),
            fields: c.fields.keys().cloned().collect(),
            source_time: c.source_time,
        })
        .collect();
    Ok(HeldPage {
        paused: s.is_paused(object, direction),
        total: here.len() as u64,
        items,
        truncated,
    })
}

/// Drop the held changes of `object` in `direction` (they are never written), clear their
/// failure entries and open the direction again.
pub async fn discard(
    deps: &HeldDeps<'_>,
    app: &AppId,
    (object, direction): (ObjectKind, Direction),
) -> Result<DiscardReport, QuotaError> {
    load(deps, app).await?;
    let parked = deps.parked.peek(app, SCAN_MAX).await?;
    let here: Vec<_> = parked
        .into_iter()
        .filter(|e| held_here(&e.change, object, direction))
        .collect();
    let discarded = deps.parked.remove(app, &here).await?;
    for e in &here {
        deps.errors
            .clear(app, object, e.change.record.as_str())
            .await?;
    }
    let (_, was_paused) = unpause(deps.settings, app, object, direction).await?;
    tracing::info!(app_id = %app, object = %object, ?direction, discarded, "Held changes discarded by an admin.");
    Ok(DiscardReport {
        discarded,
        was_paused,
    })
}

/// Save the app's circuit breaker thresholds (revision-checked).
pub async fn set_breaker(
    settings: &dyn SettingsStore,
    app: &AppId,
    limits: CircuitBreaker,
) -> Result<AppSettings, QuotaError> {
    let invalid = |why| Err(QuotaError::InvalidBreaker(why));
    if !(1..=100).contains(&limits.share_pct) || !(1..=100).contains(&limits.overwrite_share_pct) {
        return invalid("breaker shares must be 1-100 percent");
    }
    if limits.min_records == 0 {
        return invalid("the breaker's minimum must be at least 1 record");
    }
    if !(10..=1440).contains(&limits.window_minutes) {
        return invalid("the breaker's window must be 10-1440 minutes");
    }
    let mut s = settings
        .get(app)
        .await?
        .ok_or_else(|| QuotaError::UnknownApp(app.clone()))?;
    s.circuit_breaker = limits;
    s.revision += 1;
    settings.put(&s).await?;
    Ok(s)
}
