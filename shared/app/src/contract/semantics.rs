//! The small rules every adapter shares, as functions: the suites check them, and adapters may
//! call them so that "newest first", "search" and "priority" mean one thing everywhere.

use crate::ports::{ListQuery, Page, StoreError, StoreResult};
use domain::{Change, Lane, Operation};

/// Priority class of a parked change; lower classes are taken first.
///
/// 0: live deletes and conversions; 1: live upserts; 2: anything from the backfill lane.
/// (A `Change` does not say whether an upsert creates or updates; creates ride in class 1.)
pub fn park_priority(change: &Change) -> u8 {
    match (change.lane, &change.op) {
        (Lane::Backfill, _) => 2,
        (Lane::Live, Operation::Upsert) => 1,
        (Lane::Live, _) => 0,
    }
}

/// The needle of a search, lower-cased; `None` when there is nothing to search for.
pub fn search_needle(q: &ListQuery) -> Option<String> {
    q.search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
}

/// The text a search looks in (record name and key), lower-cased once at write time.
pub fn search_haystack(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Case-insensitive substring match of the query's search on any of `parts`.
pub fn matches_search(q: &ListQuery, parts: &[&str]) -> bool {
    match search_needle(q) {
        None => true,
        Some(needle) => parts.iter().any(|p| p.to_lowercase().contains(&needle)),
    }
}

/// `limit == 0` means "no limit" (the default query lists everything).
pub fn page_limit(q: &ListQuery) -> Option<usize> {
    (q.limit > 0).then(|| usize::try_from(q.limit).unwrap_or(usize::MAX))
}

/// Page already-filtered, already-ordered items.
pub fn paginate<T>(items: Vec<T>, q: &ListQuery) -> Page<T> {
    let total = items.len() as u64;
    let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
    let limit = page_limit(q).unwrap_or(usize::MAX);
    Page {
        items: items.into_iter().skip(offset).take(limit).collect(),
        total,
    }
}

/// The revision check every settings adapter applies: the stored revision must be the one
/// just before `new`, and a first save is revision 1.
pub fn check_settings_revision(stored: Option<u64>, new: u64) -> StoreResult<()> {
    let ok = match stored {
        None => new == 1,
        Some(r) => r.checked_add(1) == Some(new),
    };
    if ok {
        return Ok(());
    }
    let stored = stored.map_or("none".to_owned(), |r| r.to_string());
    Err(StoreError::Conflict(format!(
        "settings revision {new} does not follow stored {stored}"
    )))
}

/// What [`crate::ports::DecisionLog::for_record`] answers from a record's stored decisions:
/// none older than `KEEP_FOR` before `now`, the newest `KEEP_PER_RECORD` per key, newest first
/// (ties: the one written last first).
pub fn newest_decisions(
    mut decisions: Vec<crate::ports::Decision>,
    now: time::OffsetDateTime,
) -> Vec<crate::ports::Decision> {
    use crate::ports::{KEEP_FOR, KEEP_PER_RECORD};
    decisions.retain(|d| d.at >= now - KEEP_FOR);
    decisions.reverse();
    decisions.sort_by_key(|d| std::cmp::Reverse(d.at));
    let mut per_key: std::collections::HashMap<String, usize> = Default::default();
    decisions.retain(|d| {
        let n = per_key.entry(d.record_key.clone()).or_default();
        *n += 1;
        *n <= KEEP_PER_RECORD
    });
    decisions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_case_insensitive_and_blank_matches_all() {
        let q = ListQuery {
            search: Some("ZHANG".into()),
            ..ListQuery::default()
        };
        assert!(matches_search(&q, &["Lead of zhang san", "x"]));
        assert!(!matches_search(&q, &["li si"]));
        let blank = ListQuery {
            search: Some("  ".into()),
            ..ListQuery::default()
        };
        assert!(matches_search(&blank, &["anything"]));
    }

    #[test]
    fn paging_counts_everything_and_zero_limit_means_all() {
        let q = ListQuery {
            offset: 2,
            limit: 2,
            ..ListQuery::default()
        };
        assert_eq!(
            paginate((0..5).collect(), &q),
            Page {
                items: vec![2, 3],
                total: 5
            }
        );
        let all = ListQuery::default();
        assert_eq!(paginate((0..3).collect(), &all).items, vec![0, 1, 2]);
    }
}
