//! Failing records grouped by root cause: one (code, field, object) is one thing to fix, however
//! many records it breaks ("12 records fail: field Industry__c not accessible").

use super::{StatusDeps, StatusError};
use crate::ports::{ErrorRecord, ListQuery};
use domain::{AppId, Category, ErrorCode, Lang, ObjectKind, SyncError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many record names a root cause shows as examples.
pub const SAMPLES: usize = 5;

/// A record named as an example of a root cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSample {
    pub object: ObjectKind,
    pub record_key: String,
    pub name: String,
}

/// One thing to fix and how many records it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCause {
    pub code: ErrorCode,
    pub category: Category,
    pub field: Option<String>,
    /// The object named by the error (`Lead`, `lead`), else the failing records' object.
    pub object: String,
    /// Failing records with this cause.
    pub count: u64,
    pub cause_zh: String,
    pub cause_en: String,
    pub fix_zh: String,
    pub fix_en: String,
    /// Up to [`SAMPLES`] records, newest failure first.
    pub samples: Vec<RecordSample>,
}

/// (code, field, object): what makes two failures one root cause.
pub(crate) type Key = (ErrorCode, Option<String>, String);

pub(crate) fn key_of(r: &ErrorRecord) -> Key {
    let object = r
        .error
        .object
        .clone()
        .unwrap_or_else(|| r.object.as_str().to_owned());
    (r.error.code, r.error.field.clone(), object)
}

struct Group<'a> {
    first: &'a ErrorRecord,
    count: u64,
    /// Whether every record of the group has the same detail (then the texts can show it).
    same_detail: bool,
    samples: Vec<RecordSample>,
}

/// Group errors (newest first, as the store lists them) by root cause; most records first,
/// ties by code, field and object so the order is stable.
pub fn group_root_causes(errors: &[ErrorRecord]) -> Vec<RootCause> {
    let mut groups: BTreeMap<Key, Group<'_>> = BTreeMap::new();
    for r in errors {
        let g = groups.entry(key_of(r)).or_insert(Group {
            first: r,
            count: 0,
            same_detail: true,
            samples: Vec::new(),
        });
        g.count += 1;
        g.same_detail &= g.first.error.detail == r.error.detail;
        if g.samples.len() < SAMPLES {
            g.samples.push(RecordSample {
                object: r.object,
                record_key: r.record_key.clone(),
                name: r.name.clone(),
            });
        }
    }
    let mut out: Vec<RootCause> = groups
        .into_iter()
        .map(|((code, field, object), g)| {
            let texts = |lang| text_error(g.first, g.same_detail, lang);
            let (zh, en) = (texts(Lang::Zh), texts(Lang::En));
            RootCause {
                code,
                category: code.entry().category,
                field,
                object,
                count: g.count,
                cause_zh: zh.cause(Lang::Zh),
                cause_en: en.cause(Lang::En),
                fix_zh: zh.fix(Lang::Zh),
                fix_en: en.fix(Lang::En),
                samples: g.samples,
            }
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.count));
    out
}

/// The error whose texts describe the group: its own detail when all records share it,
/// otherwise a neutral word (one record's value would mislead about the others).
fn text_error(first: &ErrorRecord, same_detail: bool, lang: Lang) -> SyncError {
    let mut e = first.error.clone();
    if !same_detail {
        e.detail = match lang {
            Lang::Zh => "多个不同的值",
            Lang::En => "various values",
        }
        .to_owned();
    }
    e
}

/// Every failing record of the app, grouped by root cause.
pub async fn errors_by_root_cause(
    deps: &StatusDeps<'_>,
    app: &AppId,
) -> Result<Vec<RootCause>, StatusError> {
    // limit 0 lists everything (the shared paging rule of every ErrorStore adapter).
    let all = deps.errors.list(app, &ListQuery::default()).await?;
    Ok(group_root_causes(&all.items))
}
