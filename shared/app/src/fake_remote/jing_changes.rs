//! JING's writes that move `updated_time` and its change list, for the safety-net poll's tests.

use super::{Meta, Store};
use crate::ports::{Fields, JingPage, JingRecord, WriteResult};
use domain::{ErrorCode, JingId, SyncError};
use time::OffsetDateTime;

/// Apply an update through the API; only a real change moves `updated_time` (as jing-sim).
pub(super) fn jing_update(s: &mut Store, id: &JingId, fields: &Fields) -> WriteResult {
    let Some((_, existing)) = s.records.get_mut(id.as_str()) else {
        return WriteResult::Failed(SyncError::new(ErrorCode::BadReference).detail(id.to_string()));
    };
    let changed = fields.iter().any(|(k, v)| existing.get(k) != Some(v));
    existing.extend(fields.clone());
    if changed {
        s.next += 1;
        s.touch(id.as_str(), true, false);
    }
    WriteResult::Ok(id.to_string())
}

pub(super) fn jing_invalidate(s: &mut Store, id: &str, by_api: bool) {
    if let Some(rec) = s.records.remove(id) {
        s.jing_invalidated.insert(id.to_owned(), rec);
        s.next += 1;
        s.touch(id, by_api, true);
    }
}

/// One page of JING's change list: records (invalidated ones too) stamped at or after `since`,
/// in (`updated_time`, id) order; the page token is the last (time, id) of the previous page.
pub(super) fn jing_list(
    s: &Store,
    object: &str,
    since: OffsetDateTime,
    page: Option<&str>,
) -> JingPage {
    const PAGE: usize = 100;
    let after = page.and_then(|p| {
        let (nanos, id) = p.split_once('.')?;
        Some((nanos.parse::<i128>().ok()?, id.to_owned()))
    });
    let mut listed: Vec<(i128, &String, &Fields, Meta)> = s
        .records
        .iter()
        .chain(s.jing_invalidated.iter())
        .filter(|(_, (o, _))| o == object)
        .filter_map(|(id, (_, f))| {
            let m = *s.meta.get(id)?;
            (m.at >= since).then_some((m.at.unix_timestamp_nanos(), id, f, m))
        })
        .filter(|(at, id, _, _)| after.as_ref().is_none_or(|a| (*at, (*id).clone()) > *a))
        .collect();
    listed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let more = listed.len() > PAGE;
    listed.truncate(PAGE);
    let next = more
        .then(|| listed.last().map(|(at, id, _, _)| format!("{at}.{id}")))
        .flatten();
    let records = listed
        .into_iter()
        .map(|(_, id, f, m)| JingRecord {
            id: JingId::parse(id).expect("stored ids are valid"),
            updated_at: m.at,
            by_integration: m.by_integration,
            deleted: m.deleted,
            fields: f
                .iter()
                .map(|(k, v)| (k.clone(), v.to_jing_json()))
                .collect(),
        })
        .collect();
    JingPage { records, next }
}
