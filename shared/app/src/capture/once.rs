//! Queue each change once per delivery key (an outbound notification id, a webhook's
//! idempotency key, a polled record version).
//!
//! The claim and the send are one step where the queue keeps the claims (serve's SQLite: one
//! transaction). Elsewhere (DynamoDB claims, SQS queue) they are two: a process that dies
//! between them leaves the key claimed without its change. There the other capture paths
//! recover it: a push's key is not a poll's, so the scheduled poll still queues the version.

use crate::ports::{ChangeQueue, IdempotencyStore, KeyedChange, StoreResult};
use time::OffsetDateTime;

/// Per item, whether it was queued now (`false`: its key was claimed before).
pub(super) async fn send_once(
    queue: &dyn ChangeQueue,
    seen: &dyn IdempotencyStore,
    items: Vec<KeyedChange>,
    now: OffsetDateTime,
) -> StoreResult<Vec<bool>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(done) = queue.send_claimed(&items, now).await {
        return done;
    }
    let mut queued = Vec::with_capacity(items.len());
    let mut claimed = Vec::new();
    let mut fresh = Vec::new();
    for item in items {
        match seen.claim(&item.key, item.expires_at, now).await {
            Ok(true) => {
                claimed.push(item.key);
                fresh.push(item.change);
                queued.push(true);
            }
            Ok(false) => queued.push(false),
            Err(e) => {
                give_back(seen, &claimed).await;
                return Err(e);
            }
        }
    }
    if !fresh.is_empty()
        && let Err(e) = queue.send(&fresh).await
    {
        // Not queued: the claims go back, or a redelivery would be taken for a duplicate.
        give_back(seen, &claimed).await;
        return Err(e);
    }
    Ok(queued)
}

async fn give_back(seen: &dyn IdempotencyStore, claimed: &[String]) {
    for key in claimed {
        if let Err(e) = seen.release(key).await {
            tracing::warn!(error = %e, "Could not give a delivery claim back.");
        }
    }
}
