//! The read half of `app::ports::SalesforcePort`: incremental polls, deletes, backfill pages,
//! counts, duplicate pre-checks, users.

use std::collections::BTreeMap;

use app::ports::{
    BulkJobRef, BulkJobState, BulkPage, DeletedIds, Fields as PortFields, IngestData, IngestOp,
    IngestRow, IngestState, IngestUpload, KeyedResults, PollAnswer, PollCursor, PollRead,
    RemoteError, SalesforcePort, SfRecord, SfUser, WriteResult,
};
use async_trait::async_trait;
use domain::SfId;
use time::OffsetDateTime;

use crate::client::SfClient;
use crate::error::SfError;
use crate::port::remote;
use crate::query::QueryOptions;
use crate::record::Record;
use crate::soql::{
    ModstampCursor, check_identifier, datetime_literal, in_list, incremental_query, quote,
    select_with,
};

/// Always selected: the poller needs them to advance and to recognise its own writes.
const SYSTEM_FIELDS: [&str; 3] = ["Id", "SystemModstamp", "LastModifiedById"];
/// Characters of values per `IN (...)` query. Percent-encoding can triple a character, so this
/// keeps the URL well under Salesforce's 16,384-byte limit (414 beyond it).
pub(crate) const IN_BUDGET_CHARS: usize = 12_000;

/// Split values into runs whose quoted length stays within `budget` (one value per run at least).
fn url_encoded_len(v: &str) -> usize {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                1
            } else {
                3
            }
        })
        .sum()
}

pub(crate) fn in_chunks(values: &[String], budget: usize) -> Vec<&[String]> {
    let (mut chunks, mut start, mut used) = (Vec::new(), 0, 0);
    for (i, v) in values.iter().enumerate() {
        // What the value costs in the request URL once quoted and percent-encoded: the URL
        // (with headers) must stay under 16,384 bytes.
        let cost = url_encoded_len(v) + 12; // quotes, escapes, comma, space (encoded)
        if i > start && used + cost > budget {
            chunks.push(&values[start..i]);
            (start, used) = (i, 0);
        }
        used += cost;
    }
    if start < values.len() {
        chunks.push(&values[start..]);
    }
    chunks
}

pub(crate) fn select_list(fields: &[String]) -> Result<String, SfError> {
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    select_with(&SYSTEM_FIELDS, &fields)
}

pub(crate) fn sf_record(r: Record, deleted: bool) -> Result<SfRecord, SfError> {
    let id = r
        .id()
        .ok_or_else(|| SfError::Decode("record without a valid Id".into()))?;
    let modstamp = r
        .system_modstamp()
        .ok_or_else(|| SfError::Decode("record without SystemModstamp".into()))?;
    let modified_by = r
        .get_str("LastModifiedById")
        .and_then(|s| SfId::parse(s).ok());
    let fields: BTreeMap<_, _> = r.0.into_iter().filter(|(k, _)| k != "attributes").collect();
    Ok(SfRecord {
        id,
        modstamp,
        modified_by,
        deleted,
        fields,
    })
}

/// The poller's `queryAll`: records after `cursor` up to `until` in `(SystemModstamp, Id)`
/// order, with `IsDeleted` (deleted records come too).
pub(crate) fn changed_soql(
    object: &str,
    fields: &[String],
    cursor: &PollCursor,
    until: OffsetDateTime,
    limit: usize,
) -> Result<String, SfError> {
    let cursor = ModstampCursor {
        system_modstamp: cursor.modstamp,
        last_id: cursor.id.clone(),
    };
    let fields: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .chain(["LastModifiedById", "IsDeleted"])
        .collect();
    let until = format!("SystemModstamp <= {}", datetime_literal(until));
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    incremental_query(object, &fields, Some(&cursor), Some(&until), Some(limit))
}

/// A record of [`changed_soql`]'s result: deleted when its `IsDeleted` says so.
pub(crate) fn changed_record(r: Record) -> Result<SfRecord, SfError> {
    let deleted = r.get("IsDeleted").and_then(|v| v.as_bool()) == Some(true);
    sf_record(r, deleted)
}

impl SfClient {
    async fn read_all(
        &self,
        soql: &str,
        include_deleted: bool,
        deleted: bool,
    ) -> Result<Vec<SfRecord>, SfError> {
        let opts = QueryOptions {
            include_deleted,
            batch_size: Some(2000),
        };
        let mut pager = self.query_with(soql, opts);
        let mut out = Vec::new();
        while let Some(page) = pager.next_page().await? {
            for r in page {
                out.push(sf_record(r, deleted)?);
            }
        }
        Ok(out)
    }

    async fn changed(
        &self,
        object: &str,
        fields: &[String],
        cursor: &PollCursor,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<SfRecord>, SfError> {
        let soql = changed_soql(object, fields, cursor, until, limit)?;
        let opts = QueryOptions {
            include_deleted: true,
            batch_size: Some(2000),
        };
        let mut pager = self.query_with(&soql, opts);
        let mut out = Vec::new();
        while let Some(page) = pager.next_page().await? {
            for r in page {
                out.push(changed_record(r)?);
            }
        }
        Ok(out)
    }

    async fn deleted_between(
        &self,
        object: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SfRecord>, SfError> {
        let soql = format!(
            "SELECT Id, SystemModstamp, LastModifiedById FROM {} WHERE IsDeleted = true AND SystemModstamp > {} AND SystemModstamp <= {} ORDER BY SystemModstamp, Id",
            check_identifier(object)?,
            datetime_literal(since),
            datetime_literal(until)
        );
        self.read_all(&soql, true, true).await
    }

    async fn page(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
        after: Option<&SfId>,
        limit: usize,
    ) -> Result<Vec<SfRecord>, SfError> {
        let mut conditions: Vec<String> = where_clause
            .filter(|w| !w.trim().is_empty())
            .map(|w| format!("({w})"))
            .into_iter()
            .collect();
        if let Some(after) = after {
            conditions.push(format!("Id > {}", quote(after.as_str())?));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let soql = format!(
            "SELECT {} FROM {}{filter} ORDER BY Id LIMIT {limit}",
            select_list(fields)?,
            check_identifier(object)?
        );
        self.read_all(&soql, false, false).await
    }

    async fn count_where(&self, object: &str, where_clause: Option<&str>) -> Result<u64, SfError> {
        let filter = where_clause
            .filter(|w| !w.trim().is_empty())
            .map(|w| format!(" WHERE {w}"))
            .unwrap_or_default();
        let mut pager = self.query(&format!(
            "SELECT COUNT() FROM {}{filter}",
            check_identifier(object)?
        ));
        pager.next_page().await?;
        pager
            .total_size()
            .ok_or_else(|| SfError::Decode("COUNT() without totalSize".into()))
    }

    async fn find(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, SfError> {
        let (object, field) = (check_identifier(object)?, check_identifier(field)?);
        let mut out = Vec::new();
        for chunk in in_chunks(values, IN_BUDGET_CHARS) {
            let soql = format!(
                "SELECT Id, {field} FROM {object} WHERE {field} IN {}",
                in_list(chunk)?
            );
            for r in self.query(&soql).collect_all().await? {
                if let (Some(id), Some(v)) = (r.id(), r.get_str(field)) {
                    out.push((id, v.to_owned()));
                }
            }
        }
        Ok(out)
    }

    async fn all_users(&self) -> Result<Vec<SfUser>, SfError> {
        let records = self.query(USERS_SOQL).collect_all().await?;
        Ok(records.into_iter().filter_map(user_of).collect())
    }
}

/// The users listing of member matching.
pub(crate) const USERS_SOQL: &str =
    "SELECT Id, Name, Email, MobilePhone, IsActive FROM User ORDER BY Id";

pub(crate) fn user_of(r: Record) -> Option<SfUser> {
    Some(SfUser {
        id: r.id()?,
        name: r.get_str("Name").unwrap_or_default().to_owned(),
        email: r.get_str("Email").map(str::to_owned),
        mobile: r.get_str("MobilePhone").map(str::to_owned),
        active: r.get("IsActive").and_then(|v| v.as_bool()).unwrap_or(true),
    })
}

#[async_trait]
impl SalesforcePort for SfClient {
    async fn create(
        &self,
        object: &str,
        records: &[PortFields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.port_create(object, records).await
    }
    async fn update(
        &self,
        object: &str,
        records: &[(SfId, PortFields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.port_update(object, records).await
    }
    async fn upsert(
        &self,
        object: &str,
        external_id_field: &str,
        records: &[PortFields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.port_upsert(object, external_id_field, records).await
    }
    async fn delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError> {
        self.port_delete(ids).await
    }
    async fn find_by(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, RemoteError> {
        self.find(object, field, values)
            .await
            .map_err(|e| remote(object, &e))
    }
    async fn changed_since(
        &self,
        object: &str,
        fields: &[String],
        cursor: &PollCursor,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.changed(object, fields, cursor, until, limit)
            .await
            .map_err(|e| remote(object, &e))
    }
    async fn deleted_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.deleted_between(object, since, until)
            .await
            .map_err(|e| remote(object, &e))
    }
    async fn deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError> {
        self.port_deleted_ids(object, start, end).await
    }
    async fn existing_ids(&self, object: &str, ids: &[SfId]) -> Result<Vec<SfId>, RemoteError> {
        self.port_existing_ids(object, ids).await
    }
    async fn page_by_id(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
        after: Option<&SfId>,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        self.page(object, fields, where_clause, after, limit)
            .await
            .map_err(|e| remote(object, &e))
    }
    async fn count(&self, object: &str, where_clause: Option<&str>) -> Result<u64, RemoteError> {
        self.count_where(object, where_clause)
            .await
            .map_err(|e| remote(object, &e))
    }
    async fn bulk_start(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
    ) -> Result<BulkJobRef, RemoteError> {
        self.port_bulk_start(object, fields, where_clause).await
    }
    async fn bulk_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        self.port_bulk_status(job_id).await
    }
    async fn bulk_page(
        &self,
        object: &str,
        job_id: &str,
        locator: Option<&str>,
        max_records: usize,
    ) -> Result<BulkPage, RemoteError> {
        self.port_bulk_page(object, job_id, locator, max_records)
            .await
    }
    async fn ingest_start(
        &self,
        object: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError> {
        self.port_ingest_start(object, op, rows).await
    }
    async fn ingest_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        self.port_ingest_status(job_id).await
    }
    async fn ingest_results(
        &self,
        object: &str,
        job_id: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.port_ingest_results(object, job_id, op, rows).await
    }
    fn ingest_upload(
        &self,
        object: &str,
        op: &IngestOp,
        columns: &[String],
    ) -> Result<Box<dyn IngestUpload>, RemoteError> {
        self.port_ingest_upload(object, op, columns)
    }
    fn ingest_key(&self, columns: &[String], row: &IngestRow) -> Result<u64, RemoteError> {
        let cells = crate::ingest_stream::row_cells(columns, row).map_err(|e| remote("", &e))?;
        Ok(crate::ingest_stream::row_key(&cells))
    }
    async fn ingest_open(&self, object: &str, op: &IngestOp) -> Result<BulkJobRef, RemoteError> {
        self.port_ingest_open(object, op).await
    }
    async fn ingest_send(&self, job_id: &str, data: IngestData) -> Result<(), RemoteError> {
        self.port_ingest_send(job_id, data).await
    }
    async fn ingest_state(&self, job_id: &str) -> Result<IngestState, RemoteError> {
        self.port_ingest_state(job_id).await
    }
    async fn ingest_abort(&self, job_id: &str) -> Result<(), RemoteError> {
        // The client's own abort (the inherent method), not this trait method.
        SfClient::ingest_abort(self, job_id)
            .await
            .map(|_| ())
            .map_err(|e| remote("", &e))
    }
    async fn ingest_keyed_results(
        &self,
        object: &str,
        job_id: &str,
        columns: &[String],
        state: &IngestState,
    ) -> Result<KeyedResults, RemoteError> {
        self.port_ingest_keyed_results(object, job_id, columns, state)
            .await
    }
    async fn users(&self) -> Result<Vec<SfUser>, RemoteError> {
        if let Some(users) = self.recently_listed_users() {
            return Ok(users);
        }
        self.all_users().await.map_err(|e| remote("User", &e))
    }
    async fn poll_reads(&self, reads: &[PollRead]) -> Result<Vec<PollAnswer>, RemoteError> {
        self.port_poll_reads(reads).await
    }
    async fn describe(
        &self,
        object: &str,
    ) -> Result<domain::describe::SfObjectDescribe, RemoteError> {
        self.port_describe(object).await
    }
    async fn org_usage(&self) -> Result<domain::quota::OrgUsage, RemoteError> {
        let daily = self
            .limits_unbudgeted()
            .await
            .map_err(|e| remote("limits", &e))?;
        Ok(domain::quota::OrgUsage {
            used: daily.max.saturating_sub(daily.remaining),
            max: daily.max,
        })
    }
    fn calls_made(&self) -> u64 {
        self.usage().calls_made_by_this_client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_are_split_by_length_not_count() {
        let values: Vec<String> = (0..1000)
            .map(|i| format!("person{i:03}@acme.example"))
            .collect();
        let chunks = in_chunks(&values, IN_BUDGET_CHARS);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 1000);
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        for c in &chunks {
            let encoded: usize = c.iter().map(|v| url_encoded_len(v) + 12).sum();
            assert!(encoded <= IN_BUDGET_CHARS);
        }
        // Chinese names cost three percent-encoded bytes per character in the URL.
        let names: Vec<String> = (0..300).map(|i| format!("上海科技{i}号有限公司")).collect();
        let by_name = in_chunks(&names, IN_BUDGET_CHARS);
        assert!(
            by_name.len() > chunks.len() / 2,
            "non-ASCII values make smaller chunks"
        );
        assert_eq!(url_encoded_len("上"), 9);
        let huge = vec!["x".repeat(5000)];
        assert_eq!(
            in_chunks(&huge, IN_BUDGET_CHARS),
            vec![&huge[..]],
            "an oversized value still goes alone"
        );
        assert!(in_chunks(&[], IN_BUDGET_CHARS).is_empty());
    }
}
