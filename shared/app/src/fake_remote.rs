//! In-memory Salesforce and JING for use-case tests: records, duplicate rules (Lead e-mail and
//! Account name on Salesforce; lead mobile/e-mail and account name on JING), a describe built
//! from the object specs, call counting, and injectable call failures. The strict simulators
//! (`tests/sf-sim`, `tests/jing-sim`) cover the wire formats; these cover the decisions.

use crate::ports::*;
use async_trait::async_trait;
use domain::describe::SfObjectDescribe;
use domain::{ErrorCode, JingId, ObjectKind, ObjectSpec, SfId, SyncError, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

mod jing_changes;
mod replication;

use jing_changes::{jing_invalidate, jing_list, jing_update};

/// The integration user of the fake org (our writes are made as this user).
pub const INTEGRATION_USER: &str = "005000000000001AAA";

#[derive(Debug, Default)]
struct Store {
    /// id → (object, fields)
    records: BTreeMap<String, (String, Fields)>,
    /// id → (modification time, modified by the integration, deleted)
    meta: BTreeMap<String, Meta>,
    next: u64,
    fail_next: Vec<RemoteError>,
    /// Calls to let through before the queued failures apply.
    succeed_first: u32,
    /// The fake's clock: the modification time of the next change.
    now: Option<OffsetDateTime>,
    /// When the recycle bin was last emptied (getDeleted's `earliestDateAvailable`).
    purged_until: Option<OffsetDateTime>,
    /// The org's duplicate rules are off (many orgs only alert, or have none).
    no_duplicate_rules: bool,
    /// JING records invalidated (作废): gone for reads and writes, still listed as changed.
    jing_invalidated: BTreeMap<String, (String, Fields)>,
}

#[derive(Debug, Clone, Copy)]
struct Meta {
    at: OffsetDateTime,
    by_integration: bool,
    deleted: bool,
}

impl Store {
    fn touch(&mut self, id: &str, by_integration: bool, deleted: bool) {
        // With the clock set, every change made "now" shares one SystemModstamp (as in a bulk
        // update); without it, each change is a millisecond after the previous one.
        let at = self
            .now
            .unwrap_or(OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(self.next as i64));
        self.meta.insert(
            id.to_owned(),
            Meta {
                at,
                by_integration,
                deleted,
            },
        );
    }
}

/// What both fakes share: the records, the call counter, queued call failures.
#[derive(Debug, Default)]
struct Remote {
    store: Mutex<Store>,
    calls: AtomicU64,
}

impl Remote {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }
    fn fail_next(&self, e: SyncError) {
        self.lock().fail_next.push(RemoteError(e));
    }
    fn fields(&self, id: &str) -> Option<Fields> {
        self.lock().records.get(id).map(|(_, f)| f.clone())
    }
    fn count(&self, object: &str) -> usize {
        self.lock()
            .records
            .values()
            .filter(|(o, _)| o == object)
            .count()
    }
    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
    /// One API call: counted, and failed when a failure is queued.
    fn begin(&self) -> Result<std::sync::MutexGuard<'_, Store>, RemoteError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut s = self.lock();
        if s.succeed_first > 0 {
            s.succeed_first -= 1;
        } else if !s.fail_next.is_empty() {
            return Err(s.fail_next.remove(0));
        }
        Ok(s)
    }
}

mod bulk;
mod ingest;

/// Salesforce in memory.
#[derive(Debug, Default)]
pub struct FakeSalesforce {
    remote: Remote,
    jobs: Mutex<bulk::Jobs>,
    /// What `/limits` answers (`None`: 0 of 15,000 used).
    org: Mutex<Option<domain::quota::OrgUsage>>,
    ingest: Mutex<ingest::IngestJobs>,
}

fn prefix(object: &str) -> &'static str {
    match object {
        "Lead" => "00Q",
        "Account" => "001",
        "Opportunity" => "006",
        "User" => "005",
        _ => "a00",
    }
}

impl FakeSalesforce {
    pub fn new() -> Self {
        Self::default()
    }
    /// The next call fails with this error (queue several to fail several calls).
    pub fn fail_next(&self, e: SyncError) {
        self.remote.fail_next(e);
    }
    /// Let `calls` calls succeed, then fail the next one with `e`.
    pub fn fail_after(&self, calls: u32, e: SyncError) {
        let mut s = self.remote.lock();
        s.succeed_first = calls;
        s.fail_next.push(RemoteError(e));
    }
    pub fn record(&self, id: &SfId) -> Option<Fields> {
        self.remote.fields(id.as_str())
    }
    pub fn count(&self, object: &str) -> usize {
        self.remote.count(object)
    }
    /// Insert a record as a human would (no call counted).
    pub fn insert(&self, object: &str, fields: Fields) -> SfId {
        let mut s = self.remote.lock();
        let id = insert(&mut s, object, fields);
        s.touch(id.as_str(), false, false);
        id
    }
    /// Change fields as a human would.
    pub fn human_update(&self, id: &SfId, fields: Fields) {
        let mut s = self.remote.lock();
        if let Some((_, f)) = s.records.get_mut(id.as_str()) {
            f.extend(fields);
        }
        s.next += 1;
        s.touch(id.as_str(), false, false);
    }
    /// Delete as a human would (soft delete: queryAll still sees it).
    pub fn human_delete(&self, id: &SfId) {
        let mut s = self.remote.lock();
        s.next += 1;
        s.touch(id.as_str(), false, true);
    }
    /// What `/limits` answers from now on.
    pub fn set_org_usage(&self, usage: domain::quota::OrgUsage) {
        *self.org.lock().unwrap() = Some(usage);
    }
    /// Set the fake's clock (modification times of later changes).
    pub fn set_now(&self, now: OffsetDateTime) {
        self.remote.lock().now = Some(now);
    }
    /// Switch the org's blocking duplicate rules off (creates never answer "duplicate").
    pub fn without_duplicate_rules(&self) {
        self.remote.lock().no_duplicate_rules = true;
    }
}

fn insert(s: &mut Store, object: &str, fields: Fields) -> SfId {
    s.next += 1;
    let id = SfId::parse(&format!("{}{:012}", prefix(object), s.next)).expect("valid id");
    s.records
        .insert(id.to_string(), (object.to_owned(), fields));
    id
}

fn sf_duplicate(s: &Store, object: &str, fields: &Fields) -> Option<String> {
    if s.no_duplicate_rules {
        return None;
    }
    let key = match object {
        "Lead" => "Email",
        "Account" => "Name",
        _ => return None,
    };
    let v = fields.get(key).and_then(Value::as_text)?.to_lowercase();
    s.records
        .iter()
        .find(|(_, (o, f))| {
            o == object
                && f.get(key)
                    .and_then(Value::as_text)
                    .map(|x| x.to_lowercase())
                    == Some(v.clone())
        })
        .map(|(id, _)| id.clone())
}

#[async_trait]
impl SalesforcePort for FakeSalesforce {
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        Ok(records
            .iter()
            .map(|f| match sf_duplicate(&s, object, f) {
                // The Salesforce adapter resolves the matched ids (collections omit them).
                Some(existing) => WriteResult::Duplicate(vec![existing]),
                None => {
                    let id = insert(&mut s, object, f.clone());
                    s.touch(id.as_str(), true, false);
                    WriteResult::Ok(id.to_string())
                }
            })
            .collect())
    }
    async fn update(
        &self,
        _object: &str,
        records: &[(SfId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        let mut out = Vec::new();
        for (id, f) in records {
            match s.records.get_mut(id.as_str()) {
                Some((_, existing)) => {
                    existing.extend(f.clone());
                    s.next += 1;
                    s.touch(id.as_str(), true, false);
                    out.push(WriteResult::Ok(id.to_string()));
                }
                None => out.push(WriteResult::Failed(
                    SyncError::new(ErrorCode::BadReference).detail(id.to_string()),
                )),
            }
        }
        Ok(out)
    }
    async fn upsert(
        &self,
        object: &str,
        external_id_field: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        let mut out = Vec::new();
        for f in records {
            let Some(key) = f.get(external_id_field).and_then(Value::as_text) else {
                out.push(WriteResult::Failed(
                    SyncError::new(ErrorCode::RequiredValueMissing).field(external_id_field),
                ));
                continue;
            };
            let matched = s.records.iter().find_map(|(id, (o, existing))| {
                let same = existing.get(external_id_field).and_then(Value::as_text);
                (o == object && same.as_deref() == Some(key.as_str())).then(|| id.clone())
            });
            let id = match matched {
                Some(id) => {
                    if let Some((_, existing)) = s.records.get_mut(&id) {
                        existing.extend(f.clone());
                    }
                    s.next += 1;
                    id
                }
                None => insert(&mut s, object, f.clone()).to_string(),
            };
            s.touch(&id, true, false);
            out.push(WriteResult::Ok(id));
        }
        Ok(out)
    }
    async fn delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        Ok(ids
            .iter()
            .map(|id| {
                s.next += 1;
                s.touch(id.as_str(), true, true);
                WriteResult::Ok(id.to_string())
            })
            .collect())
    }
    async fn changed_since(
        &self,
        object: &str,
        fields: &[String],
        cursor: &PollCursor,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        let s = self.remote.begin()?;
        Ok(changed(&s, object, fields, cursor, until, limit))
    }
    async fn poll_reads(&self, reads: &[PollRead]) -> Result<Vec<PollAnswer>, RemoteError> {
        // Like the client: one composite call per five reads.
        let mut out = Vec::with_capacity(reads.len());
        for chunk in reads.chunks(5) {
            let s = self.remote.begin()?;
            for read in chunk {
                out.push(match read {
                    PollRead::Changed {
                        object,
                        fields,
                        cursor,
                        until,
                        limit,
                    } => {
                        PollAnswer::Records(Ok(changed(&s, object, fields, cursor, *until, *limit)))
                    }
                    PollRead::Users => PollAnswer::Users(Ok(users(&s))),
                });
            }
        }
        Ok(out)
    }
    async fn deleted_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        let s = self.remote.begin()?;
        Ok(s.records
            .iter()
            .filter(|(_, (o, _))| o == object)
            .filter_map(|(id, (_, f))| {
                let m = s.meta.get(id)?;
                (m.deleted && m.at > since && m.at <= until).then(|| sf_record(id, f, m, &[]))
            })
            .collect())
    }
    async fn deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError> {
        self.fake_deleted_ids(object, start, end)
    }
    async fn existing_ids(&self, object: &str, ids: &[SfId]) -> Result<Vec<SfId>, RemoteError> {
        self.fake_existing_ids(object, ids)
    }
    async fn page_by_id(
        &self,
        object: &str,
        fields: &[String],
        where_clause: Option<&str>,
        after: Option<&SfId>,
        limit: usize,
    ) -> Result<Vec<SfRecord>, RemoteError> {
        let s = self.remote.begin()?;
        // The one clause the fake understands; any other is ignored (every record matches).
        let only = where_clause.and_then(id_in_list);
        Ok(s.records
            .iter()
            .filter(|(id, (o, _))| o == object && after.is_none_or(|a| id.as_str() > a.as_str()))
            .filter(|(id, _)| only.as_ref().is_none_or(|ids| ids.contains(id.as_str())))
            .filter_map(|(id, (_, f))| {
                let m = s.meta.get(id)?;
                (!m.deleted).then(|| sf_record(id, f, m, fields))
            })
            .take(limit)
            .collect())
    }
    async fn count(&self, object: &str, _where_clause: Option<&str>) -> Result<u64, RemoteError> {
        let s = self.remote.begin()?;
        let live = |id: &String| s.meta.get(id).is_some_and(|m| !m.deleted);
        Ok(s.records
            .iter()
            .filter(|(id, (o, _))| o == object && live(id))
            .count() as u64)
    }
    async fn bulk_start(
        &self,
        object: &str,
        fields: &[String],
        _where_clause: Option<&str>,
    ) -> Result<BulkJobRef, RemoteError> {
        self.start_job(object, fields)
    }
    async fn bulk_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        self.job_status(job_id)
    }
    async fn bulk_page(
        &self,
        _object: &str,
        job_id: &str,
        locator: Option<&str>,
        max_records: usize,
    ) -> Result<BulkPage, RemoteError> {
        self.job_page(job_id, locator, max_records)
    }
    async fn ingest_start(
        &self,
        object: &str,
        op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<BulkJobRef, RemoteError> {
        self.start_ingest(object, op, rows)
    }
    async fn ingest_status(&self, job_id: &str) -> Result<BulkJobState, RemoteError> {
        self.ingest_status_of(job_id)
    }
    async fn ingest_results(
        &self,
        _object: &str,
        job_id: &str,
        _op: &IngestOp,
        rows: &[IngestRow],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.ingest_outcome(job_id, rows)
    }
    fn ingest_upload(
        &self,
        _object: &str,
        _op: &IngestOp,
        columns: &[String],
    ) -> Result<Box<dyn IngestUpload>, RemoteError> {
        Ok(self.upload(columns))
    }
    fn ingest_key(&self, columns: &[String], row: &IngestRow) -> Result<u64, RemoteError> {
        Ok(ingest::row_key(columns, row))
    }
    async fn ingest_open(&self, object: &str, op: &IngestOp) -> Result<BulkJobRef, RemoteError> {
        self.open_ingest(object, op)
    }
    async fn ingest_send(&self, job_id: &str, data: IngestData) -> Result<(), RemoteError> {
        self.send_ingest(job_id, &data)
    }
    async fn ingest_state(&self, job_id: &str) -> Result<IngestState, RemoteError> {
        self.state_of(job_id)
    }
    async fn ingest_abort(&self, job_id: &str) -> Result<(), RemoteError> {
        self.abort_ingest(job_id)
    }
    async fn ingest_keyed_results(
        &self,
        _object: &str,
        job_id: &str,
        columns: &[String],
        state: &IngestState,
    ) -> Result<KeyedResults, RemoteError> {
        self.keyed_results(job_id, columns, state)
            .map(KeyedResults::from_vec)
    }
    async fn find_by(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, RemoteError> {
        let s = self.remote.begin()?;
        let wanted: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
        Ok(s.records
            .iter()
            .filter(|(_, (o, _))| o == object)
            .filter_map(|(id, (_, f))| {
                let v = f.get(field).and_then(Value::as_text)?;
                wanted
                    .contains(&v.to_lowercase())
                    .then(|| (SfId::parse(id).expect("stored ids are valid"), v))
            })
            .collect())
    }
    async fn users(&self) -> Result<Vec<SfUser>, RemoteError> {
        let s = self.remote.begin()?;
        Ok(users(&s))
    }
    async fn describe(&self, object: &str) -> Result<SfObjectDescribe, RemoteError> {
        Ok(describe_from_spec(object))
    }
    async fn org_usage(&self) -> Result<domain::quota::OrgUsage, RemoteError> {
        drop(self.remote.begin()?);
        let usage = *self.org.lock().unwrap();
        Ok(usage.unwrap_or(domain::quota::OrgUsage {
            used: 0,
            max: 15_000,
        }))
    }
    fn calls_made(&self) -> u64 {
        self.remote.calls()
    }
}

/// Records changed after `cursor` up to `until`, deleted ones included (as `queryAll`) while
/// the recycle bin keeps them (15 days).
fn changed(
    s: &Store,
    object: &str,
    fields: &[String],
    cursor: &PollCursor,
    until: OffsetDateTime,
    limit: usize,
) -> Vec<SfRecord> {
    let mut out: Vec<SfRecord> = s
        .records
        .iter()
        .filter(|(_, (o, _))| o == object)
        .filter_map(|(id, (_, f))| {
            let m = s.meta.get(id)?;
            let after =
                (m.at, Some(id.as_str())) > (cursor.modstamp, cursor.id.as_ref().map(SfId::as_str));
            let erased = m.deleted
                && s.now
                    .is_some_and(|now| m.at < now - time::Duration::days(15));
            (after && m.at <= until && !erased).then(|| sf_record(id, f, m, fields))
        })
        .collect();
    out.sort_by(|a, b| (a.modstamp, &a.id).cmp(&(b.modstamp, &b.id)));
    out.truncate(limit);
    out
}

fn users(s: &Store) -> Vec<SfUser> {
    s.records
        .iter()
        .filter(|(_, (o, _))| o == "User")
        .map(|(id, (_, f))| SfUser {
            id: SfId::parse(id).expect("stored ids are valid"),
            name: f.get("Name").and_then(Value::as_text).unwrap_or_default(),
            email: f.get("Email").and_then(Value::as_text),
            mobile: f.get("MobilePhone").and_then(Value::as_text),
            active: f.get("IsActive") != Some(&Value::Bool(false)),
        })
        .collect()
}

fn sf_record(id: &str, f: &Fields, m: &Meta, fields: &[String]) -> SfRecord {
    let json = f
        .iter()
        .filter(|(k, _)| fields.is_empty() || fields.contains(k))
        .map(|(k, v)| (k.clone(), v.to_sf_json()))
        .collect();
    SfRecord {
        id: SfId::parse(id).expect("stored ids are valid"),
        modstamp: m.at,
        modified_by: Some(
            SfId::parse(if m.by_integration {
                INTEGRATION_USER
            } else {
                "005000000000002AAA"
            })
            .expect("valid"),
        ),
        deleted: m.deleted,
        fields: json,
    }
}

/// A describe shaped like Salesforce's, from the spec's default fields (Lead and Account
/// required fields, lengths, a restricted `Status` picklist).
/// The ids of an `Id IN ('a','b')` clause (reads by id: conversions, verify mode).
fn id_in_list(clause: &str) -> Option<std::collections::BTreeSet<String>> {
    let list = clause.trim().strip_prefix("Id IN (")?.strip_suffix(')')?;
    Some(
        list.split(',')
            .filter_map(|v| SfId::parse(v.trim().trim_matches('\'')).ok())
            .map(|id| id.as_str().to_owned())
            .collect(),
    )
}

pub fn describe_from_spec(object: &str) -> SfObjectDescribe {
    let spec = ObjectKind::ALL
        .into_iter()
        .map(ObjectSpec::of)
        .find(|s| s.sf_object == object);
    let mut fields = vec![serde_json::json!({"name": "Id", "type": "id", "nillable": false})];
    for d in spec.map(|s| s.defaults).unwrap_or_default() {
        let required = spec.is_some_and(|s| s.sf_required.contains(&d.sf.name));
        let (ty, len) = match d.sf.ty {
            domain::FieldType::Text { max_len } => ("string", max_len),
            domain::FieldType::Email => ("email", 80),
            domain::FieldType::Phone => ("phone", 40),
            domain::FieldType::Url => ("url", 255),
            domain::FieldType::Picklist => ("picklist", 255),
            domain::FieldType::MultiPicklist => ("multipicklist", 4099),
            domain::FieldType::Number => ("double", 0),
            domain::FieldType::Boolean => ("boolean", 0),
            domain::FieldType::Date => ("date", 0),
            domain::FieldType::DateTime => ("datetime", 0),
            domain::FieldType::Reference => ("reference", 18),
        };
        let status = d.sf.name == "Status";
        let values: Vec<_> = d
            .options
            .iter()
            .map(|(_, sf)| serde_json::json!({"active": true, "value": sf, "label": sf}))
            .collect();
        fields.push(serde_json::json!({
            "name": d.sf.name, "type": ty, "length": len, "nillable": !required && !status,
            "createable": true, "updateable": true, "defaultedOnCreate": status,
            "restrictedPicklist": status, "picklistValues": values,
        }));
    }
    serde_json::from_value(serde_json::json!({"name": object, "fields": fields}))
        .expect("valid describe")
}

/// JING in memory.
#[derive(Debug, Default)]
pub struct FakeJing {
    remote: Remote,
    employees: Mutex<Vec<Employee>>,
}

impl FakeJing {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn fail_next(&self, e: SyncError) {
        self.remote.fail_next(e);
    }
    pub fn record(&self, id: &JingId) -> Option<Fields> {
        self.remote.fields(id.as_str())
    }
    pub fn count(&self, object: &str) -> usize {
        self.remote.count(object)
    }
    pub fn calls(&self) -> u64 {
        self.remote.calls()
    }
    /// Create as a person would.
    pub fn insert(&self, object: &str, fields: Fields) -> JingId {
        let mut s = self.remote.lock();
        jing_insert(&mut s, object, fields, false)
    }
    /// Set the time stamped on the next changes (`updated_time`); unset, each change is a
    /// millisecond after the Unix epoch plus the change counter.
    pub fn set_now(&self, now: OffsetDateTime) {
        self.remote.lock().now = Some(now);
    }
    /// Invalidate (作废) as a person would.
    pub fn human_invalidate(&self, id: &JingId) {
        let mut s = self.remote.lock();
        jing_invalidate(&mut s, id.as_str(), false);
    }
    /// Whether `id` was invalidated.
    pub fn is_invalidated(&self, id: &JingId) -> bool {
        self.remote
            .lock()
            .jing_invalidated
            .contains_key(id.as_str())
    }
    /// Edit as a person would.
    pub fn human_update(&self, id: &JingId, fields: Fields) {
        let mut s = self.remote.lock();
        if let Some((_, f)) = s.records.get_mut(id.as_str()) {
            f.extend(fields);
        }
        s.next += 1;
        s.touch(id.as_str(), false, false);
    }
    pub fn add_employee(&self, name: &str, mobile: Option<&str>, email: Option<&str>) -> JingId {
        let mut e = self.employees.lock().unwrap();
        let id = JingId::parse(&format!("emp{}", e.len() + 1)).expect("valid id");
        e.push(Employee {
            id: id.clone(),
            name: name.into(),
            mobile: mobile.map(Into::into),
            email: email.map(Into::into),
        });
        id
    }
}

fn jing_insert(s: &mut Store, object: &str, fields: Fields, by_api: bool) -> JingId {
    s.next += 1;
    let id = JingId::parse(&format!("J{object}{:06}", s.next)).expect("valid id");
    s.records
        .insert(id.to_string(), (object.to_owned(), fields));
    s.touch(id.as_str(), by_api, false);
    id
}

fn jing_duplicate(s: &Store, object: &str, fields: &Fields) -> Option<String> {
    let keys: &[&str] = match object {
        "lead" => &["mobile", "email"],
        "account" => &["company_id"],
        _ => return None,
    };
    keys.iter().find_map(|k| {
        let v = fields.get(*k).and_then(Value::as_text)?;
        s.records
            .iter()
            .find(|(_, (o, f))| {
                o == object && f.get(*k).and_then(Value::as_text).as_ref() == Some(&v)
            })
            .map(|(id, _)| id.clone())
    })
}

#[async_trait]
impl JingPort for FakeJing {
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        Ok(records
            .iter()
            .map(|f| match jing_duplicate(&s, object, f) {
                Some(existing) => WriteResult::Duplicate(vec![existing]),
                None => WriteResult::Ok(jing_insert(&mut s, object, f.clone(), true).to_string()),
            })
            .collect())
    }
    async fn update(
        &self,
        _object: &str,
        records: &[(JingId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        Ok(records
            .iter()
            .map(|(id, f)| jing_update(&mut s, id, f))
            .collect())
    }
    async fn invalidate(
        &self,
        _object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let mut s = self.remote.begin()?;
        Ok(ids
            .iter()
            .map(|id| {
                jing_invalidate(&mut s, id.as_str(), true);
                WriteResult::Ok(id.to_string())
            })
            .collect())
    }
    async fn employees(&self) -> Result<Vec<Employee>, RemoteError> {
        drop(self.remote.begin()?);
        Ok(self.employees.lock().unwrap().clone())
    }
    async fn create_employee(&self, e: &NewEmployee) -> Result<JingId, RemoteError> {
        drop(self.remote.begin()?);
        Ok(self.add_employee(&e.name, e.mobile.as_deref(), e.email.as_deref()))
    }
    async fn changed_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        page: Option<&str>,
    ) -> Result<JingPage, RemoteError> {
        let s = self.remote.begin()?;
        Ok(jing_list(&s, object, since, page))
    }
}

/// The OAuth web-server flow of a fake org: remembers the last challenge, checks the PKCE
/// verifier on exchange, answers the identity of `org` (switchable to simulate a sandbox refresh).
#[derive(Debug)]
pub struct FakeAuth {
    pub org: Mutex<SfId>,
    pub user: SfId,
    challenge: Mutex<Option<String>>,
    pub revoked: AtomicU64,
}

impl FakeAuth {
    pub fn new(org: &str) -> Self {
        Self {
            org: Mutex::new(SfId::parse(org).expect("valid org id")),
            user: SfId::parse(INTEGRATION_USER).expect("valid"),
            challenge: Mutex::new(None),
            revoked: AtomicU64::new(0),
        }
    }
    /// The code the fake login page hands back (any code works once a challenge was issued).
    pub const CODE: &'static str = "aPrxcode%3D%3D";
}

#[async_trait]
impl SfAuth for FakeAuth {
    fn authorize_url(
        &self,
        env: &crate::settings::Environment,
        state: &str,
        code_challenge: &str,
    ) -> String {
        *self.challenge.lock().unwrap() = Some(code_challenge.to_owned());
        let host = match env {
            crate::settings::Environment::Sandbox => "https://test.salesforce.com".to_owned(),
            crate::settings::Environment::MyDomain(h) => format!("https://{h}"),
            crate::settings::Environment::Custom(u) => u.clone(),
            crate::settings::Environment::Production => "https://login.salesforce.com".to_owned(),
        };
        format!(
            "{host}/services/oauth2/authorize?response_type=code&state={state}&code_challenge={code_challenge}&code_challenge_method=S256"
        )
    }
    async fn exchange(
        &self,
        _env: &crate::settings::Environment,
        code: &str,
        verifier: &str,
    ) -> Result<SfTokens, RemoteError> {
        let expected = self.challenge.lock().unwrap().take();
        let invalid =
            || RemoteError(SyncError::new(ErrorCode::NeedsReauthorization).detail("invalid_grant"));
        if code != Self::CODE
            || expected.as_deref() != Some(crate::connect::pkce_challenge(verifier).as_str())
        {
            return Err(invalid());
        }
        Ok(SfTokens {
            access_token: secrecy::SecretString::from("00Dfake!access".to_owned()),
            refresh_token: Some(secrecy::SecretString::from("5Aepfake-refresh".to_owned())),
            instance_url: "https://acme.my.salesforce.com".into(),
            id_url: "https://login.salesforce.com/id/org/user".into(),
        })
    }
    async fn identity(&self, _tokens: &SfTokens) -> Result<SfIdentity, RemoteError> {
        Ok(SfIdentity {
            user_id: self.user.clone(),
            org_id: self.org.lock().unwrap().clone(),
            username: "integration@acme.example".into(),
        })
    }
    async fn revoke(
        &self,
        _env: &crate::settings::Environment,
        _token: &secrecy::SecretString,
    ) -> Result<(), RemoteError> {
        self.revoked.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Every app's clients are these fakes (tests of the edge); `connected` false answers as an
/// app that is not connected.
pub struct FakeConnections {
    pub sf: Arc<FakeSalesforce>,
    pub jing: Arc<FakeJing>,
    pub auth: Arc<FakeAuth>,
}

#[async_trait]
impl crate::ports::Connections for FakeConnections {
    async fn clients(
        &self,
        settings: &crate::settings::AppSettings,
    ) -> Result<crate::ports::AppClients, crate::ports::ClientsError> {
        if settings.authorized.is_none() {
            return Err(crate::ports::ClientsError::NotConnected(
                settings.app.clone(),
            ));
        }
        Ok(crate::ports::AppClients {
            sf: self.sf.clone(),
            jing: self.jing.clone(),
        })
    }
    fn forget(&self, _app: &domain::AppId) {}
    fn auth(&self) -> Arc<dyn SfAuth> {
        self.auth.clone()
    }
}
