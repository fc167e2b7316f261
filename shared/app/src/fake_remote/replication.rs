//! The fake's getDeleted and existence check, with Salesforce's rules: minute granularity, a
//! 15-day window, `earliestDateAvailable` moved forward by emptying the recycle bin.

use super::{FakeSalesforce, Store};
use crate::ports::{DeletedIds, RemoteError};
use domain::datetime::floor_minute;
use domain::{ErrorCode, SfId, SyncError};
use time::{Duration, OffsetDateTime};

/// How far back Salesforce keeps deletes for getDeleted.
const DELETED_WINDOW: Duration = Duration::days(15);

fn replication_error(message: &str) -> RemoteError {
    RemoteError(
        SyncError::new(ErrorCode::InvalidValue)
            .detail(format!("INVALID_REPLICATION_DATE: {message}")),
    )
}

impl FakeSalesforce {
    /// Empty the recycle bin at `at`: deleted records vanish, and getDeleted can no longer
    /// vouch for anything before `at`.
    pub fn empty_recycle_bin(&self, at: OffsetDateTime) {
        let mut s = self.remote.lock();
        let gone: Vec<String> = s
            .meta
            .iter()
            .filter(|(_, m)| m.deleted)
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            s.records.remove(&id);
            s.meta.remove(&id);
        }
        s.purged_until = Some(at);
    }

    pub(super) fn fake_deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError> {
        let s = self.remote.begin()?;
        // Without a clock set, the caller's `end` is "now".
        let now = floor_minute(s.now.unwrap_or(end));
        let (start, end) = (floor_minute(start), floor_minute(end));
        if start >= end {
            return Err(replication_error("start must precede end by a minute"));
        }
        if start < now - DELETED_WINDOW {
            return Err(replication_error("start cannot be more than 15 days ago"));
        }
        let covered = end.min(now);
        Ok(DeletedIds {
            ids_with_dates: deleted_between(&s, object, start, covered),
            earliest_available: Some(s.purged_until.map_or(now - DELETED_WINDOW, |p| {
                floor_minute(p).max(now - DELETED_WINDOW)
            })),
            latest_covered: covered,
        })
    }

    pub(super) fn fake_existing_ids(
        &self,
        object: &str,
        ids: &[SfId],
    ) -> Result<Vec<SfId>, RemoteError> {
        let s = self.remote.begin()?;
        Ok(ids
            .iter()
            .filter(|id| {
                let live = s.meta.get(id.as_str()).is_some_and(|m| !m.deleted);
                live && s.records.get(id.as_str()).is_some_and(|(o, _)| o == object)
            })
            .cloned()
            .collect())
    }
}

fn deleted_between(
    s: &Store,
    object: &str,
    start: OffsetDateTime,
    covered: OffsetDateTime,
) -> Vec<(SfId, OffsetDateTime)> {
    s.records
        .iter()
        .filter(|(_, (o, _))| o == object)
        .filter_map(|(id, _)| {
            let m = s.meta.get(id)?;
            (m.deleted && m.at >= start && m.at < covered)
                .then(|| (SfId::parse(id).expect("stored ids are valid"), m.at))
        })
        .collect()
}
