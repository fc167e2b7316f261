//! API accounting: the daily allocation, `Sforce-Limit-Info`, and per-kind call counters.

use std::collections::BTreeMap;

/// Counted calls: `total` is what the org's allocation saw; `by_kind` also holds uncounted
/// endpoints (OAuth, identity, versions) so tests can assert on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
}

impl CallCounts {
    /// Calls of one kind (`query`, `query_more`, `collections_create`, `oauth_token`, …).
    pub fn kind(&self, kind: &str) -> u64 {
        self.by_kind.get(kind).copied().unwrap_or(0)
    }
    /// Requests of the kinds that only write (DML, collections, Bulk ingest). `composite` is
    /// not among them (the poller reads through it): [`crate::SfSim::row_writes`] tells those.
    pub fn writes(&self) -> u64 {
        WRITE_KINDS.iter().map(|k| self.kind(k)).sum()
    }
}

const WRITE_KINDS: &[&str] = &[
    "sobject_create",
    "sobject_update",
    "sobject_delete",
    "sobject_upsert",
    "collections_create",
    "collections_upsert",
    "collections_update",
    "collections_delete",
    "bulk_ingest_create",
    "bulk_ingest_upload",
    "bulk_ingest_state",
    "bulk_ingest_delete",
];

#[derive(Debug)]
pub struct Usage {
    pub used: u64,
    pub max: u64,
    pub calls: CallCounts,
}

/// Refused because the allocation is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded;

impl Usage {
    pub fn new(max: u64) -> Self {
        Self {
            used: 0,
            max,
            calls: CallCounts::default(),
        }
    }
    /// Charge one API call of `kind` against the allocation.
    pub fn charge(&mut self, kind: &str) -> Result<(), LimitExceeded> {
        if self.used >= self.max {
            return Err(LimitExceeded);
        }
        self.used += 1;
        self.calls.total += 1;
        self.note(kind);
        Ok(())
    }
    /// Record a call that does not count against the allocation.
    pub fn note(&mut self, kind: &str) {
        *self.calls.by_kind.entry(kind.to_owned()).or_default() += 1;
    }
    pub fn header(&self) -> String {
        format!("api-usage={}/{}", self.used, self.max)
    }
    pub fn reset(&mut self) {
        self.used = 0;
        self.calls = CallCounts::default();
    }
}

/// Which kind of call a REST path is, for the counters. `rest` is the path after `/vXX.X/`.
pub fn classify(method: &str, rest: &str) -> &'static str {
    let segs: Vec<&str> = rest
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (segs.as_slice(), method) {
        (["sobjects"], _) => "describe_global",
        (["sobjects", _], "POST") => "sobject_create",
        (["sobjects", _], _) => "sobject_info",
        (["sobjects", _, "describe"], _) => "describe",
        (["sobjects", _, "updated"], _) => "get_updated",
        (["sobjects", _, "deleted"], _) => "get_deleted",
        (["sobjects", _, _], "GET") => "sobject_read",
        (["sobjects", _, _], "PATCH") => "sobject_update",
        (["sobjects", _, _], "DELETE") => "sobject_delete",
        (["sobjects", _, _, _], "PATCH") => "sobject_upsert",
        (["sobjects", _, _, _], _) => "sobject_read_by_external_id",
        (["composite"], _) => "composite",
        (["composite", "batch"], _) => "composite_batch",
        (["composite", "sobjects", ..], "POST") => "collections_create",
        (["composite", "sobjects", _, _], "PATCH") => "collections_upsert",
        (["composite", "sobjects", ..], "PATCH") => "collections_update",
        (["composite", "sobjects", ..], "DELETE") => "collections_delete",
        (["composite", "sobjects", ..], _) => "collections_retrieve",
        (["query"], _) => "query",
        (["query", _], _) => "query_more",
        (["queryAll"], _) => "query_all",
        (["queryAll", _], _) => "query_more",
        (["limits"], _) => "limits",
        (["jobs", "query"], "POST") => "bulk_query_create",
        (["jobs", "query", _], "GET") => "bulk_query_status",
        (["jobs", "query", _], _) => "bulk_query_abort",
        (["jobs", "query", _, "results"], _) => "bulk_query_results",
        (["jobs", "ingest"], _) => "bulk_ingest_create",
        (["jobs", "ingest", _], "GET") => "bulk_ingest_status",
        (["jobs", "ingest", _], "DELETE") => "bulk_ingest_delete",
        (["jobs", "ingest", _], _) => "bulk_ingest_state",
        (["jobs", "ingest", _, "batches"], _) => "bulk_ingest_upload",
        (["jobs", "ingest", _, _], _) => "bulk_ingest_results",
        _ => "other",
    }
}
