//! The two remote systems as the use cases see them. Implemented by the `salesforce` and `jing`
//! client crates (and by fakes in tests). Values are in the target's field names and terms.

use async_trait::async_trait;
use domain::describe::SfObjectDescribe;
use domain::{JingId, SfId, SyncError, Value};
use std::collections::BTreeMap;

/// Field values of one record to write, by the target's field names.
pub type Fields = BTreeMap<String, Value>;

/// A call-level failure (the whole call failed: quota, auth, transient, permission).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RemoteError(pub SyncError);

impl RemoteError {
    pub fn next_step(&self) -> domain::NextStep {
        self.0.next_step()
    }
}

/// Per-record outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// Written; the record's id on the target.
    Ok(String),
    /// The target's duplicate rules matched existing records: bind and update instead.
    Duplicate(Vec<String>),
    Failed(SyncError),
}

/// Salesforce, as the writer and the capture use cases need it.
#[async_trait]
pub trait SalesforcePort: Send + Sync {
    /// Create records of one object (sObject Collections, ≤ 200 per call). Results in input order.
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Update records by id (collections). Results in input order.
    async fn update(
        &self,
        object: &str,
        records: &[(SfId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    async fn delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError>;
    /// Records whose `field` equals one of `values` (duplicate pre-check), as (id, value).
    async fn find_by(
        &self,
        object: &str,
        field: &str,
        values: &[String],
    ) -> Result<Vec<(SfId, String)>, RemoteError>;
    /// Active users with name, e-mail and mobile, for member matching (never written).
    async fn users(&self) -> Result<Vec<SfUser>, RemoteError>;
    /// Cached describe (no API call when cached).
    async fn describe(&self, object: &str) -> Result<SfObjectDescribe, RemoteError>;
    /// API calls this client has made (for reports).
    fn calls_made(&self) -> u64;
}

/// JING, as the writer and the member use cases need it.
#[async_trait]
pub trait JingPort: Send + Sync {
    /// Batch create; JING's duplicate rules answer `Duplicate([existing])` per record.
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    async fn update(
        &self,
        object: &str,
        records: &[(JingId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Invalidate (作废).
    async fn invalidate(
        &self,
        object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteResult>, RemoteError>;
    /// Every employee (member) with name, mobile, e-mail.
    async fn employees(&self) -> Result<Vec<Employee>, RemoteError>;
    async fn create_employee(&self, e: &NewEmployee) -> Result<JingId, RemoteError>;
}

/// A Salesforce user as member matching sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SfUser {
    pub id: SfId,
    pub name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub active: bool,
}

/// A JING employee (成员).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Employee {
    pub id: JingId,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployee {
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}
